/**
 * From what the curator pastes to the exact text the source will hold. Every offset the draft writes
 * points into this text, so it is computed once here and never altered afterwards.
 */

export interface Span {
  start: number;
  end: number;
}

export interface PreparedText {
  /** The plain text: the source's `text`. */
  text: string;
  /** The headline: the given title, or the first line. */
  title: string;
  /** Where the headline stands in the text, when it is the first line. */
  headline: Span | null;
  /** Lines that are not part of the article (a fixture's marker line): never drafted. */
  markerLines: Span[];
}

const looksLikeHtml = /<\/?[a-z][a-z0-9]*\b[^>]*>|&[a-z]+;|&#\d+;/i;
/** Tags that end a block: they become paragraph breaks so sentences do not run into each other. */
const blockEnd = /<\/(?:p|div|h[1-6]|li|blockquote|section|article|header|footer|title|tr)\s*>|<br\s*\/?>|<hr\s*\/?>/gi;
const anyTag = /<!--[\s\S]*?-->|<(?:script|style)\b[\s\S]*?<\/(?:script|style)\s*>|<[^>]+>/gi;
const namedEntities: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“',
  mdash: '—', ndash: '–', hellip: '…', eacute: 'é', egrave: 'è', uuml: 'ü', ouml: 'ö', auml: 'ä', ccedil: 'ç',
};

/** Strips simple HTML to text: block ends become blank lines, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(blockEnd, '\n\n')
    .replace(anyTag, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
      return namedEntities[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n');
}

/**
 * A fixture's or an export's marker line ("[Invented article for tests]", "<!-- fixture … -->"): a line
 * that labels the text rather than belonging to it.
 */
const markerLine = /^\s*(?:\[[^\]\n]*\b(?:fixture|invented|fictional|synthetic|test)\b[^\]\n]*\]|\((?:[^)\n]*\b(?:fixture|invented|fictional)\b[^)\n]*)\)|#+\s*(?:fixture|invented)\b.*|(?:fixture|invented (?:article|text|fixture))\b.*)\s*$/i;

export function prepareText(raw: string, title?: string): PreparedText {
  // Plain text is kept exactly as given (only a byte-order mark, which belongs to the file, goes): evidence offsets
  // and the "same source" check compare against it. HTML has no such text to keep, so it is rebuilt and trimmed.
  let text = raw.replace(/^\uFEFF/, '');
  if (looksLikeHtml.test(text)) text = htmlToText(text.replace(/\r\n?/g, '\n')).replace(/^\s+/, '').replace(/\s+$/, '');

  const markerLines: Span[] = [];
  let headline: Span | null = null;
  let offset = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    const span = { start: offset, end: offset + line.length };
    offset = span.start + rawLine.length + 1;
    if (markerLine.test(line)) markerLines.push(span);
    else if (!headline && line.trim().length > 0) headline = span;
  }
  const firstLine = headline ? text.slice(headline.start, headline.end).trim() : '';
  // A given title is the headline; the first line is the headline too only when it is that title or no title was given.
  const headlineIsFirstLine = !title || normalise(firstLine) === normalise(title);
  return {
    text,
    title: title?.trim() || firstLine || 'Untitled article',
    headline: headlineIsFirstLine ? headline : null,
    markerLines,
  };
}

function normalise(s: string): string {
  return s.replace(/[\s\u00a0]+/g, ' ').trim().toLowerCase();
}
