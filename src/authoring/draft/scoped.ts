/**
 * Drafting against a knowledge base that is not in memory (PostgreSQL): the draft runs on an index of
 * the records it can look up for this one text, fetched by the words, stems, ids and statements it asks
 * about. A run that asked for something not fetched yet saw it as absent, so its draft is dropped: what
 * it asked for is fetched, all of a kind in one call, and the draft runs again (three or four runs for an
 * article). The last run saw every record the whole knowledge base would have shown it, so the draft is
 * the one the in-memory index gives (postgres-writes.test.ts compares them).
 */
import type { RecordKind, RecordsByCollection, StoredRecord } from '../../kb/knowledge-base.js';
import { collectionOfKind, dataFiles, type Collection } from '../../kb/records.js';
import type { ArticleFileInput } from '../draft-file.js';
import { draftWithIndex, type DraftInput } from './index.js';
import { DraftScope, indexedWords, KbIndex } from './kb-index.js';
import { prepareText } from './plain-text.js';

/** A record with its kind and its place in its file (the index keeps the knowledge base's order). */
export interface PlacedRecord {
  kind: RecordKind;
  position: number;
  record: StoredRecord;
}

/** What a draft looks up, answered by a store that does not hold the knowledge base in memory. */
export interface DraftRecordSource {
  /** Every country (a draft recognises countries by lexicon, whatever words the text uses). */
  countries(): Promise<PlacedRecord[]>;
  /** The persons, organizations, events and countries in force with one of `words` (indexedWords) in a name, alias, label or role title. */
  namedBy(words: readonly string[]): Promise<PlacedRecord[]>;
  /** The events in force with a name word whose `nameStem` is one of `stems`. */
  eventsWithStems(stems: readonly string[]): Promise<PlacedRecord[]>;
  /** The attacks that started on one of `dates` (YYYY-MM-DD). */
  attacksOn(dates: readonly string[]): Promise<PlacedRecord[]>;
  /** The records with these ids, merged ones included. */
  byIds(ids: readonly string[]): Promise<PlacedRecord[]>;
  /**
   * For each drafted statement (its `statementWords` and speaker): the speaker's statements, and the
   * statements in force that hold one of the words of it that the fewest statements hold, enough of
   * them that a statement sharing none cannot be near (known-statements.ts).
   */
  statementsLike(drafted: readonly { words: readonly string[]; speakerId: string | null }[]): Promise<PlacedRecord[]>;
  /** The sources with exactly one of these texts. */
  sourcesWithText(texts: readonly string[]): Promise<PlacedRecord[]>;
}

/** How many runs a draft may take before giving up (an article takes three or four). */
const MAX_RUNS = 20;
/** Ids a new id may step aside to ("-2", "-3"), fetched with it: the allocator asks for one at a time. */
const SUFFIXES_FETCHED = 20;

/** Drafts `input` from the records `source` fetches for it; the same draft as `draftArticle` over the whole knowledge base. */
export async function draftFromSource(input: DraftInput, source: DraftRecordSource): Promise<ArticleFileInput> {
  const held = new Map<string, PlacedRecord>();
  const hold = (records: PlacedRecord[]) => {
    for (const entry of records) held.set(entry.record.id, entry);
  };
  const scope = new DraftScope();
  // What every draft of this text looks up, fetched before the first run: the records its words name.
  const { text } = prepareText(input.text, input.title);
  const words = indexedWords(text);
  const [countries, named, sameText] = await Promise.all([source.countries(), source.namedBy(words), source.sourcesWithText([text])]);
  hold(countries);
  hold(named);
  hold(sameText);
  for (const word of words) scope.words.add(word);
  scope.sourceTexts.add(text);

  for (let run = 1; ; run += 1) {
    const index = new KbIndex({ stored: inFileOrder(held), mergedInto: new Map() }, scope);
    let draft: ArticleFileInput | undefined;
    let failure: unknown;
    try {
      draft = draftWithIndex(input, index);
    } catch (error) {
      failure = error;
    }
    if (!scope.hasMissing()) {
      if (draft === undefined) throw failure;
      return draft;
    }
    if (run >= MAX_RUNS) throw new Error(`a draft still asked for records it had not got after ${MAX_RUNS} runs`);
    const { missing } = scope;
    const ids = [...missing.ids].flatMap(withNextSuffixes);
    const fetched = await Promise.all([
      missing.words.size > 0 ? source.namedBy([...missing.words]) : [],
      missing.stems.size > 0 ? source.eventsWithStems([...missing.stems]) : [],
      missing.attackDates.size > 0 ? source.attacksOn([...missing.attackDates]) : [],
      ids.length > 0 ? source.byIds(ids) : [],
      missing.statements.size > 0 ? source.statementsLike([...missing.statements.values()]) : [],
      missing.sourceTexts.size > 0 ? source.sourcesWithText([...missing.sourceTexts]) : [],
    ]);
    for (const records of fetched) hold(records);
    for (const id of ids) missing.ids.add(id);
    scope.coverMissing();
  }
}

/**
 * `id` and the ids the allocator steps to after it when it is taken (`id-2`, `id-3`, …), and, for an
 * id that is itself a step (`root-7`), the steps after it.
 */
function withNextSuffixes(id: string): string[] {
  const next = Array.from({ length: SUFFIXES_FETCHED }, (_, n) => `${id}-${n + 2}`);
  const step = /^(.*)-(\d+)$/.exec(id);
  if (step) next.push(...Array.from({ length: SUFFIXES_FETCHED }, (_, n) => `${step[1]}-${Number(step[2]) + n + 1}`));
  return [id, ...next];
}

/** The held records as collections, each in file order. */
function inFileOrder(held: ReadonlyMap<string, PlacedRecord>): RecordsByCollection {
  const collections = Object.fromEntries((Object.keys(dataFiles) as Collection[]).map((name) => [name, [] as PlacedRecord[]])) as Record<Collection, PlacedRecord[]>;
  for (const entry of held.values()) collections[collectionOfKind[entry.kind]].push(entry);
  return Object.fromEntries(
    Object.entries(collections).map(([name, entries]) => [name, entries.sort((a, b) => a.position - b.position).map((entry) => entry.record)]),
  ) as unknown as RecordsByCollection;
}
