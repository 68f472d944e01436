/**
 * Drafting against a knowledge base that is not in memory (PostgreSQL): the draft runs on an index of
 * the records it can look up for this one text, fetched by the keys of keys.ts (the names its words can
 * be keys of, then the names, surnames, labels and event stems a run asked about), the ids it would take,
 * and the statements its drafted ones could be. A run that asked for something not fetched yet saw it as
 * absent, so its draft is dropped: what it asked for is fetched, each kind in one call, and the draft runs
 * again (two or three runs for an article). The last run saw every record the whole knowledge base would
 * have shown it, so the draft is the one the in-memory index gives (postgres-writes.test.ts compares them).
 */
import type { RecordKind, RecordsByCollection, StoredRecord } from '../../kb/knowledge-base.js';
import { collectionOfKind, dataFiles, type Collection } from '../../kb/records.js';
import { withNextSteps } from '../../kb/slugs.js';
import type { ArticleFileInput } from '../draft-file.js';
import { draftWithIndex, type DraftInput } from './index.js';
import { DraftScope, KbIndex } from './kb-index.js';
import { indexedWords, type DraftKeyKind } from './keys.js';
import { prepareText } from './plain-text.js';
import { analyse } from './tokens.js';

/** A record with its kind and its place in its file (the index keeps the knowledge base's order). */
export interface PlacedRecord {
  kind: RecordKind;
  position: number;
  record: StoredRecord;
}

/** What a draft looks up, answered by a store that does not hold the knowledge base in memory. */
export interface DraftRecordSource {
  /**
   * Runs `draft` with lookups that all read one state of the knowledge base (a write landing between two
   * runs of a draft must not make it mix two states).
   */
  consistently<T>(draft: (lookups: DraftLookups) => Promise<T>): Promise<T>;
}

/** The lookups of one draft. */
export interface DraftLookups {
  /** The persons, organizations, events and countries in force with one of these keys (keys.ts) of each kind (countries by demonym through `iso2`). */
  byKeys(keys: Readonly<Record<DraftKeyKind, readonly string[]>>): Promise<PlacedRecord[]>;
  /** The attacks in force that started on one of `dates` (YYYY-MM-DD). */
  attacksOn(dates: readonly string[]): Promise<PlacedRecord[]>;
  /** The records with these ids, merged ones included. */
  byIds(ids: readonly string[]): Promise<PlacedRecord[]>;
  /**
   * For each drafted statement (its `statementWords`): the statements in force that hold one of the words
   * of it that the fewest statements hold, enough of them that a statement sharing none cannot be near,
   * the same or a part of it (known-statements.ts).
   */
  statementsLike(drafted: readonly { words: readonly string[] }[]): Promise<PlacedRecord[]>;
  /** The sources with exactly one of these texts. */
  sourcesWithText(texts: readonly string[]): Promise<PlacedRecord[]>;
}

/** How many runs a draft may take before giving up (an article takes two or three). */
const MAX_RUNS = 20;
/** Ids a new id may step aside to ("-2", "-3"), fetched with it: the allocator asks for one at a time. */
const SUFFIXES_FETCHED = 20;

/** Drafts `input` from the records `source` fetches for it; the same draft as `draftArticle` over the whole knowledge base. */
export function draftFromSource(input: DraftInput, source: DraftRecordSource, onRun?: (run: number) => void): Promise<ArticleFileInput> {
  return source.consistently((lookups) => draftWith(input, lookups, onRun));
}

async function draftWith(input: DraftInput, lookups: DraftLookups, onRun?: (run: number) => void): Promise<ArticleFileInput> {
  const held = new Map<string, PlacedRecord>();
  const hold = (records: PlacedRecord[]) => {
    for (const entry of records) held.set(entry.record.id, entry);
  };
  const scope = new DraftScope();
  // What every draft of this text looks up, fetched before the first run: the records named by its words.
  const prepared = prepareText(input.text, input.title);
  const words = indexedWords(prepared.text);
  hold(await lookups.byKeys({ name: words, surname: [], label: [], stem: [], iso2: [] }));
  hold(await lookups.sourcesWithText([prepared.text]));
  for (const word of words) scope.keys.name.add(word);
  scope.sourceTexts.add(prepared.text);
  // The text's analysis is the same in every run.
  const analysis = analyse(prepared.text);

  for (let run = 1; ; run += 1) {
    onRun?.(run);
    const index = new KbIndex({ stored: inFileOrder(held), mergedInto: new Map() }, scope);
    let draft: ArticleFileInput | undefined;
    let failure: unknown;
    try {
      draft = draftWithIndex(input, index, { prepared, analysis });
    } catch (error) {
      failure = error;
    }
    if (!scope.hasMissing()) {
      if (draft === undefined) throw failure;
      return draft;
    }
    if (run >= MAX_RUNS) throw new Error(`a draft still asked for records it had not got after ${MAX_RUNS} runs`);
    const { missing } = scope;
    const ids = [...missing.ids].flatMap((id) => withNextSteps(id, SUFFIXES_FETCHED));
    const keys = Object.fromEntries(Object.entries(missing.keys).map(([kind, set]) => [kind, [...set]])) as Record<DraftKeyKind, string[]>;
    // One connection answers them in turn.
    if (Object.values(keys).some((list) => list.length > 0)) hold(await lookups.byKeys(keys));
    if (missing.attackDates.size > 0) hold(await lookups.attacksOn([...missing.attackDates]));
    if (ids.length > 0) hold(await lookups.byIds(ids));
    if (missing.statements.size > 0) hold(await lookups.statementsLike([...missing.statements.values()]));
    if (missing.sourceTexts.size > 0) hold(await lookups.sourcesWithText([...missing.sourceTexts]));
    for (const id of ids) missing.ids.add(id);
    scope.coverMissing();
  }
}

/** The held records as collections, each in file order. */
function inFileOrder(held: ReadonlyMap<string, PlacedRecord>): RecordsByCollection {
  const collections = Object.fromEntries((Object.keys(dataFiles) as Collection[]).map((name) => [name, [] as PlacedRecord[]])) as Record<Collection, PlacedRecord[]>;
  for (const entry of held.values()) collections[collectionOfKind[entry.kind]].push(entry);
  return Object.fromEntries(
    Object.entries(collections).map(([name, entries]) => [name, entries.sort((a, b) => a.position - b.position).map((entry) => entry.record)]),
  ) as unknown as RecordsByCollection;
}
