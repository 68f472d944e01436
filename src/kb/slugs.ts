/**
 * Ids made from names and words, wherever a record is created without one (the API, the authoring
 * command, an article file): short and readable (`kerry-nato-ante-up-2015-12-01`,
 * `stoltenberg-calm-de-escalation`), never a title cut off part-way.
 */

/** A slug made from a name: "Ahmet Davutoğlu" becomes "ahmet-davutoglu"; a long one is cut at a word. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= 60) return slug;
  const cut = slug.slice(0, 60);
  return cut.includes('-') ? cut.slice(0, cut.lastIndexOf('-')) : cut;
}

/** Words that carry no meaning in an id. */
const fillerWords = new Set(
  (
    'a an the and or but nor of to in on at by for with from into onto over under about as is are was were be been being ' +
    'it its this that these those there their they them he she his her him we our us i you your me my not no so than then ' +
    'will would can could should shall may might must do does did has have had also just even only very more most such ' +
    'which who whom whose what when where why how all any each both some other same own again further once ' +
    'said says say told stated added'
  ).split(' '),
);

/** The words of a text that carry meaning, slugified one by one, in order (all of them when none does). */
export function significantWords(text: string): string[] {
  const words = slugify(text).split('-').filter(Boolean);
  const meaningful = words.filter((word) => !fillerWords.has(word));
  return meaningful.length > 0 ? meaningful : words;
}

/** Up to `count` meaningful words of `text` joined by hyphens (empty when it has no words). */
export function shortSlug(text: string, count = 3): string {
  return significantWords(text).slice(0, count).join('-');
}

/** Joins slug parts, leaving out empty ones. */
export function joinSlug(...parts: (string | undefined)[]): string {
  return parts.filter((part): part is string => !!part && part.length > 0).join('-');
}

/** A source's id: a few words of the title and the publication date ("kerry-nato-ante-up-2015-12-01"). */
export function sourceSlug(title: string, publishedOn?: string): string {
  return joinSlug(shortSlug(title, 4) || 'article', publishedOn);
}

/**
 * A statement's id: one word for the speaker (the last of a name: "stoltenberg") and the first words
 * of the statement that carry meaning ("stoltenberg-calm-de-escalation").
 */
export function statementSlug(speaker: string | null, text: string): string {
  const speakerWord = speaker ? (significantWords(speaker).at(-1) ?? 'unnamed') : 'unattributed';
  return joinSlug(speakerWord, significantWords(text).filter((word) => word !== speakerWord).slice(0, 3).join('-'));
}

/** An event's id: a few words of its name and its date when known ("nato-ministers-meeting-brussels-2015-12-01"). */
export function eventSlug(name: string, date?: string): string {
  return joinSlug(shortSlug(name, 4) || 'event', date);
}

/**
 * Hands out ids that are unique among `taken` (the knowledge base's ids and the ones already given):
 * a clash gets "-2", "-3", … rather than more words, so ids stay short.
 */
export class SlugAllocator {
  private readonly allocated = new Set<string>();
  private readonly isTaken: (id: string) => boolean;
  /** `taken`: the ids already in use, or a function that says whether one is. */
  constructor(taken: Iterable<string> | ((id: string) => boolean) = []) {
    if (typeof taken === 'function') this.isTaken = taken;
    else {
      const set = new Set(taken);
      this.isTaken = (id) => set.has(id);
    }
  }

  /** The first free id from `base` ("item" when `base` is empty). */
  allocate(base: string): string {
    const root = base.length > 0 ? base.slice(0, 90).replace(/-+$/, '') : 'item';
    let id = root;
    for (let n = 2; this.allocated.has(id) || this.isTaken(id); n++) id = `${root}-${n}`;
    this.allocated.add(id);
    return id;
  }
}

/**
 * `id` and the ids a search for a free id steps to when it is taken ("-2", "-3": SlugAllocator,
 * src/store/edits.ts freeIdFor): `count` after `id` itself and, for an id that is itself a step
 * (`root-7`), after that step as many as it is far (at least `count`, at most MAX_STEPS_AHEAD), so
 * that a store asking again for each step it reaches looks twice as far each time: a few round trips
 * for hundreds of taken steps, rather than one per `count`.
 */
/** The most steps `withNextSteps` looks ahead of a step: an id that only looks like one ("summit-2015") costs no more. */
const MAX_STEPS_AHEAD = 1000;

export function withNextSteps(id: string, count: number): string[] {
  const next = Array.from({ length: count }, (_, n) => `${id}-${n + 2}`);
  const step = /^(.*)-(\d+)$/.exec(id);
  const reached = step ? Number(step[2]) : Number.NaN;
  // Counted by steps, not compared by value: past 2^53 adding one to a number changes nothing.
  if (Number.isSafeInteger(reached)) {
    const ahead = Math.min(Math.max(count, reached), MAX_STEPS_AHEAD);
    for (let k = 1; k <= ahead && Number.isSafeInteger(reached + k); k++) next.push(`${step![1]}-${reached + k}`);
  }
  return [id, ...next];
}
