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

/** Words that say nothing of what a title or a quote is about. */
const fillerWords = new Set(
  'a an and are as at be been but by for from had has have he her his i in is it its of on or our she that the their them they this to was we were what when which who will with would you your said says say also about after before over into than then there these those not no do does did can could should may might must just very more most such only so out up'.split(
    ' ',
  ),
);

/** The first `count` words of `text` that carry meaning, as slug parts. */
function significantWords(text: string, count: number): string[] {
  const words = slugify(text).split('-').filter(Boolean);
  const meaningful = words.filter((word) => !fillerWords.has(word));
  return (meaningful.length > 0 ? meaningful : words).slice(0, count);
}

/** A source's id: a few words of the title and the publication date ("kerry-nato-ante-up-2015-12-01"). */
export function sourceSlug(title: string, publishedOn?: string): string {
  const words = significantWords(title, 5);
  return [...(words.length > 0 ? words : ['article']), ...(publishedOn ? [publishedOn] : [])].join('-');
}

/** A statement's id: the speaker's last name and the first words that carry meaning ("stoltenberg-calm-de-escalation"). */
export function statementSlug(speaker: string | null, text: string): string {
  const speakerPart = speaker ? (slugify(speaker).split('-').filter((word) => !fillerWords.has(word)).at(-1) ?? 'unnamed') : 'unattributed';
  return [speakerPart, ...significantWords(text, 4)].join('-');
}

/** An event's id: a few words of its name and its date when known ("nato-ministers-meeting-2015-12-01"). */
export function eventSlug(name: string, date?: string): string {
  return [...significantWords(name, 5), ...(date ? [date] : [])].join('-') || 'event';
}
