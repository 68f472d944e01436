/**
 * Short, readable ids for drafted records: a few significant words, never a truncated title. Curators
 * read and type these ids in article files, so "kerry-nato-ante-up-2015-12-01" beats a 60-character slug.
 */
import { slugify } from '../store/edits.js';

/** Words that carry no meaning in an id. */
const STOP_WORDS = new Set(
  (
    'a an the and or but nor of to in on at by for with from into onto over under about as is are was were be been being ' +
    'it its this that these those there their they them he she his her him we our us i you your me my not no so than then ' +
    'will would can could should shall may might must do does did has have had also just even only very more most such ' +
    'which who whom whose what when where why how all any each both some other same own again further once ' +
    'said says say told stated added dont doesnt didnt isnt wasnt cant wont'
  ).split(' '),
);

/** The significant words of a text, slugified one by one, in order. */
export function significantWords(text: string): string[] {
  // "don’t" is one word ("dont"), and "Obama’s" is "obama": apostrophes must not split words into slugs.
  return slugify(text.replace(/['’]s\b/g, '').replace(/['’]/g, ''))
    .split('-')
    .filter((word) => word.length > 0 && !STOP_WORDS.has(word));
}

/** Up to `count` significant words of `text` joined by hyphens (empty when it has none). */
export function shortSlug(text: string, count = 3): string {
  return significantWords(text).slice(0, count).join('-');
}

/** Joins slug parts, leaving out empty ones. */
export function joinSlug(...parts: (string | undefined)[]): string {
  return parts.filter((part): part is string => !!part && part.length > 0).join('-');
}

/**
 * Hands out ids that are unique among `taken` (the knowledge base's ids and the ones already given):
 * a clash gets "-2", "-3", … rather than more words, so ids stay short.
 */
export class SlugAllocator {
  private readonly taken: Set<string>;
  constructor(taken: Iterable<string> = []) {
    this.taken = new Set(taken);
  }

  has(id: string): boolean {
    return this.taken.has(id);
  }

  /** Reserves an id that must stay as it is (an existing record's). */
  reserve(id: string): void {
    this.taken.add(id);
  }

  /** The first free id from `base` ("item" when `base` is empty). */
  allocate(base: string): string {
    const root = base.length > 0 ? base.slice(0, 90).replace(/-+$/, '') : 'item';
    let id = root;
    for (let n = 2; this.taken.has(id); n++) id = `${root}-${n}`;
    this.taken.add(id);
    return id;
  }
}
