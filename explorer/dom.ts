/** Building DOM from data, as text only: nothing the server sends is ever parsed as HTML. */

export type Child = Node | string | null | undefined | false | readonly Child[];

export function appendChildren(parent: Element | DocumentFragment, children: readonly Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) appendChildren(parent, child);
    else if (child !== null && child !== undefined && child !== false) parent.append(child as Node | string);
  }
}

/** Creates an element; strings become text nodes, so data is never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) element.setAttribute(name, value);
  appendChildren(element, children);
  return element;
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`explorer: #${id} is missing from index.html`);
  return element as T;
}

/** `text` with each range wrapped in <mark>; ranges are UTF-16 offsets, as the API gives them. */
export function highlighted(text: string, ranges: readonly { start: number; end: number }[], markClass?: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const { start, end } of [...ranges].sort((a, b) => a.start - b.start)) {
    const from = Math.max(start, at);
    const to = Math.min(end, text.length);
    if (to <= from) continue;
    fragment.append(text.slice(at, from), h('mark', markClass ? { class: markClass } : null, text.slice(from, to)));
    at = to;
  }
  fragment.append(text.slice(at));
  return fragment;
}
