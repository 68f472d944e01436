/**
 * The curators' authoring command: adds sources and records, with evidence given as quoted words,
 * to a data folder that a running server may be writing to at the same time. Every write goes through
 * the KnowledgeStore (the data folder's lock, the loader's rules, a durable write), never a plain
 * writeFile, so neither process can lose the other's change or leave a half-written file.
 *
 * Exit codes: 0 done, 1 refused or failed (`author: <CODE>: <message>` on stderr), 2 misuse.
 * Run with --help for the usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { applyArticles, previewArticles } from '../src/authoring/apply-articles.js';
import { articleFileSchemaPath } from '../src/authoring/draft-file.js';
import { findRecords } from '../src/authoring/find-records.js';
import { parseArticleJson, type ArticleInput, type ArticlePlan, type ArticleProblem } from '../src/authoring/plan-article.js';
import { readConfig } from '../src/config.js';
import { DataValidationError, decodeTextFile } from '../src/kb/load.js';
import { datePrecisionSchema, dateQualifierSchema, valueShapeByPrecision, type Collection, type PartialDate } from '../src/kb/records.js';
import { CurationError } from '../src/store/edit-error.js';
import {
  anchorEvidence,
  createCountry,
  createEvent,
  createOrganization,
  createPerson,
  createSource,
  createStatement,
  type CreateCountryInput,
  type CreateEventInput,
  type CreateOrganizationInput,
  type CreatePersonInput,
  type CreateStatementInput,
  type DateInput,
} from '../src/store/edits.js';
import { LockTimeoutError } from '../src/store/data-lock.js';
import { KnowledgeStore, type Draft, type Edit } from '../src/store/knowledge-store.js';

const usage = `Usage: npm run author -- <command> [options]   (or: tsx scripts/author.ts <command> [options])

Adding an article is four steps: draft it, review the draft, preview, apply.

  npm run author -- draft article.txt --published 2015-12-02 --url https://example.com/a --out draft.json
  (edit draft.json: check speakers, drop what is wrong, add what the draft missed)
  npm run author -- apply draft.json --dry-run
  npm run author -- apply draft.json

Commands:
  draft <article.txt|.html> [--title <headline>] [--published YYYY-MM-DD] [--url <address>] [--slug <source id>]
        [--out <file> [--force]]
      Reads an article (plain text, or simple HTML) and writes an article file to review: its quotes
      and paraphrases with speakers, relayers, hedges and dates, the persons, countries,
      organizations and events it names (matched to records already in the knowledge base where it
      can), and new reports of statements the knowledge base already holds. Each statement says how
      sure the draft is and why. Changes nothing. Without --out the file goes to stdout; --out does
      not overwrite a file (a draft under review) unless --force is given.

  apply <file.json>... [--dry-run]
      Applies article files in one durable change: every file or nothing. --dry-run prints what
      would change, record by record, and every problem with its place in the file, and writes
      nothing. A file applied twice changes nothing the second time.

  find <words>
      Finds records by name, alias, slug or words, and prints their ids (for an article file).

  add-source --file <text file> --title <title> --language <bcp47>
             [--date <YYYY|YYYY-MM|YYYY-MM-DD>] [--date-qualifier ON|BEFORE|AFTER]
             [--date-inferred --date-note <how it was inferred>] [--origin <origin>] [--slug <id>]
      Adds a news article on its own. Prints only the new source's id on stdout.

  add <records.json>
      The older records file: "persons", "countries", "organizations", "events", "statements",
      each item shaped like the matching input of src/store/edits.ts, added one at a time (an item
      refused stops the run; the items before it stay added). Prefer an article file and apply.

  anchor "<quote>" --source <id> [--occurrence <n>] [--near "<surrounding words>"]
      Prints the evidence object { sourceId, start, end, text } for the quoted words.

The article file (JSON Schema: schema/article-file.schema.json; README "Adding an article"):
  {
    "source":        { "id"?, "title", "text", "language"?, "publishedOn"?: date, "origin"? },
    "persons":       [{ "id", "existing"?, "name" (null if unnamed), "label"?, "aliases"?,
                        "description"?, "roles"?: [{ "title", "organization"?, "country"?, "evidence" }] }],
    "countries":     [{ "id", "existing"?, "name", "isoAlpha2"?, "isoAlpha3"?, "description"?, "evidence" }],
    "organizations": [{ "id", "existing"?, "name", "kind"?, "description"?, "parent"?, "country"?,
                        "memberships"?, "evidence" }],
    "events":        [{ "id", "existing"?, "name", "kind"?, "description"?, "start"?, "end"?,
                        "locations"?, "participants"?, "partOf"?, "evidence" }],
    "statements":    [{ "kind", "text", "speaker" (id or null), "attribution", "existing"? (id of the
                        statement this reports again), "id"?, "relayedBy"?, "hedge"?, "date"?,
                        "saidAt"?, "about"?, "mentions"?, "continues"? }],
    "merges":        [{ "keep", "merge" }]
  }
  Records are named by id: one already in the knowledge base ("existing": true for entities) or one
  the file creates, in any section and any order. Evidence is the source's words: "the words" or
  { "text": "the words", "start": 812 }; apply finds them in the text (nobody types an offset). A link
  is { "id", "evidence"?, "inferred"?, "note"? }; a link without words must be inferred, with a note.
  A date is { "value": "2015-12-01", "inferred"?, "note"? }. "review", "matchedBy", "candidates"
  and "skipped" are what draft says to the curator; apply ignores them.

Every command takes --data <dir>: the data folder (default: $DATA_DIR, else the project's data/).
Exit codes: 0 done; 1 refused or failed ("author: <CODE>: <message>" on stderr); 2 misuse.
`;

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure reported as `author: <code>: <message>`; CurationErrors carry their own code. */
class AuthorError extends Error {
  override name = 'AuthorError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function note(message: string): void {
  process.stderr.write(`author: ${message}\n`);
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, data: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((error as Error).message);
    }
    throw error;
  }
}

function required(value: string | undefined, option: string): string {
  if (value === undefined || value === '') throw new UsageError(`${option} is required`);
  return value;
}

/** The data folder as the server finds it: --data, else DATA_DIR, else the project's data/. */
function dataDirOf(given: string | undefined): string {
  // Only DATA_DIR is passed, so that a variable the server reads (PORT, tokens) cannot make this fail.
  return given !== undefined ? path.resolve(given) : readConfig({ DATA_DIR: process.env.DATA_DIR }).dataDir;
}

async function openStore(dataDir: string): Promise<KnowledgeStore> {
  try {
    return await KnowledgeStore.open(dataDir);
  } catch (error) {
    if (error instanceof DataValidationError) throw new AuthorError('DATA_FILES_INVALID', error.message);
    if (error instanceof LockTimeoutError) throw new AuthorError('STORAGE_FAILED', error.message);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AuthorError('DATA_FILES_INVALID', `cannot read the data folder ${dataDir}: ${(error as Error).message}`);
    throw error;
  }
}

const qualifiers: readonly string[] = dateQualifierSchema.options;

function publishedOnOf(values: { date?: string; 'date-qualifier'?: string; 'date-inferred'?: boolean; 'date-note'?: string }): DateInput | undefined {
  const { date, 'date-qualifier': qualifier, 'date-inferred': inferred = false, 'date-note': dateNote } = values;
  if (date === undefined) {
    if (qualifier !== undefined || inferred || dateNote !== undefined) throw new UsageError('--date-qualifier, --date-inferred and --date-note need --date');
    return undefined;
  }
  const precision = datePrecisionSchema.options.find((candidate) => valueShapeByPrecision[candidate].test(date));
  if (!precision) throw new UsageError(`--date must be YYYY, YYYY-MM or YYYY-MM-DD, got "${date}"`);
  if (qualifier !== undefined && !qualifiers.includes(qualifier)) {
    throw new UsageError(`--date-qualifier must be ON, BEFORE or AFTER, got "${qualifier}"`);
  }
  if (inferred && !dateNote) throw new UsageError('--date-inferred needs --date-note saying how the date was inferred');
  return { value: date, precision, qualifier: qualifier as PartialDate['qualifier'] | undefined, inferred, note: dateNote };
}

/** A file's text exactly, minus a leading byte-order mark; bytes that are not UTF-8 are refused rather than replaced. */
async function readTextFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new AuthorError('INVALID_INPUT', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return decodeTextFile(bytes);
  } catch {
    throw new AuthorError('INVALID_INPUT', `${file} is not valid UTF-8 text`);
  }
}

async function addSource(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    file: { type: 'string' },
    title: { type: 'string' },
    language: { type: 'string' },
    date: { type: 'string' },
    'date-qualifier': { type: 'string' },
    'date-inferred': { type: 'boolean' },
    'date-note': { type: 'string' },
    origin: { type: 'string' },
    slug: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`add-source takes no positional arguments (got "${positionals[0]}")`);
  const file = required(values.file, '--file');
  const title = required(values.title, '--title');
  const language = required(values.language, '--language');
  const publishedOn = publishedOnOf(values);
  const dataDir = dataDirOf(values.data);
  const text = await readTextFile(file);
  const store = await openStore(dataDir);
  const { record } = await store.edit('sources', createSource({ id: values.slug, title, text, language, publishedOn, origin: values.origin }));
  process.stdout.write(`${record.id}\n`);
  note(`added source "${record.id}" (${[...text].length} characters of text) to ${dataDir}`);
}

// The keys each kind of item may have: `satisfies` keeps them equal to the builders' input types, and
// checking them catches a misspelt field that the builder would silently drop.
const personKeys = { id: true, name: true, label: true, aliases: true, description: true, roles: true } satisfies Record<keyof CreatePersonInput, true>;
const countryKeys = { id: true, name: true, aliases: true, description: true, isoAlpha2: true, isoAlpha3: true, evidence: true } satisfies Record<keyof CreateCountryInput, true>;
const organizationKeys = {
  id: true,
  name: true,
  aliases: true,
  kind: true,
  description: true,
  parentId: true,
  countryId: true,
  memberships: true,
  evidence: true,
} satisfies Record<keyof CreateOrganizationInput, true>;
const eventKeys = {
  id: true,
  name: true,
  aliases: true,
  kind: true,
  description: true,
  start: true,
  end: true,
  locations: true,
  participants: true,
  partOf: true,
  evidence: true,
} satisfies Record<keyof CreateEventInput, true>;
const statementKeys = {
  id: true,
  kind: true,
  words: true,
  speakerId: true,
  speakerGroup: true,
  attribution: true,
  relayedById: true,
  relayedByWords: true,
  hedge: true,
  saidAtEventId: true,
  aboutEventIds: true,
  date: true,
  audience: true,
  mentions: true,
  continuesId: true,
} satisfies Record<keyof CreateStatementInput, true>;

interface Section {
  collection: Collection;
  keys: Record<string, true>;
  // The input is checked only for its keys here; the builder and the store's rules check the rest.
  build: (input: never) => Edit<Collection>;
}

/** The sections of a records file, in the order they are added: a statement may name a person added above it. */
const sections: Section[] = [
  { collection: 'persons', keys: personKeys, build: createPerson as Section['build'] },
  { collection: 'countries', keys: countryKeys, build: createCountry as Section['build'] },
  { collection: 'organizations', keys: organizationKeys, build: createOrganization as Section['build'] },
  { collection: 'events', keys: eventKeys, build: createEvent as Section['build'] },
  { collection: 'statements', keys: statementKeys, build: createStatement as Section['build'] },
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a records file and checks its outline (sections, items, top-level keys) before anything is written. */
async function readRecordsFile(file: string): Promise<{ section: Section; label: string; item: Record<string, unknown> }[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readTextFile(file));
  } catch (error) {
    if (error instanceof AuthorError) throw error;
    throw new AuthorError('INVALID_INPUT', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new AuthorError('INVALID_INPUT', `${file} must hold a JSON object with the arrays ${sections.map((s) => `"${s.collection}"`).join(', ')}`);
  const unknownSections = Object.keys(parsed).filter((key) => !sections.some((section) => section.collection === key));
  if (unknownSections.length > 0) {
    throw new AuthorError('INVALID_INPUT', `${file}: unknown section(s) ${unknownSections.map((key) => `"${key}"`).join(', ')}; expected ${sections.map((s) => `"${s.collection}"`).join(', ')}`);
  }
  const items: { section: Section; label: string; item: Record<string, unknown> }[] = [];
  for (const section of sections) {
    const list = parsed[section.collection];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new AuthorError('INVALID_INPUT', `${section.collection} must be an array`);
    list.forEach((item: unknown, index) => {
      const label = `${section.collection}[${index}]`;
      if (!isObject(item)) throw new AuthorError('INVALID_INPUT', `${label} must be an object`);
      const unknownKeys = Object.keys(item).filter((key) => !Object.hasOwn(section.keys, key));
      if (unknownKeys.length > 0) {
        throw new AuthorError('INVALID_INPUT', `${label}: unknown field(s) ${unknownKeys.map((key) => `"${key}"`).join(', ')}; expected some of ${Object.keys(section.keys).join(', ')}`);
      }
      items.push({ section, label, item });
    });
  }
  return items;
}

async function add(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (positionals.length !== 1) throw new UsageError('add takes one records file');
  const items = await readRecordsFile(positionals[0]!);
  if (items.length === 0) {
    note('the records file holds no records; nothing to add');
    return 0;
  }
  const dataDir = dataDirOf(values.data);
  const store = await openStore(dataDir);
  const added: string[] = [];
  for (const { section, label, item } of items) {
    try {
      const { record } = await store.edit(section.collection, section.build(item as never));
      added.push(record.id);
      process.stdout.write(`${record.id}\n`);
    } catch (error) {
      const already = added.length === 0 ? 'nothing was added' : `the ${added.length} record(s) added before it stay added (${added.join(', ')})`;
      if (error instanceof CurationError) {
        note(`${error.code}: ${label}: ${error.message}`);
      } else if (error instanceof TypeError) {
        // A builder reading a field the item lacks (`words`, `evidence`): the item is not in the expected shape.
        note(`INVALID_INPUT: ${label}: the item is not in the expected shape (${error.message})`);
      } else {
        throw error;
      }
      note(`stopped at ${label}; ${already}`);
      return 1;
    }
  }
  note(`added ${added.length} record(s) to ${dataDir}`);
  return 0;
}

async function anchor(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { source: { type: 'string' }, occurrence: { type: 'string' }, near: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('anchor takes one quote (put it in quotes)');
  const sourceId = required(values.source, '--source');
  let occurrence: number | undefined;
  if (values.occurrence !== undefined) {
    occurrence = Number(values.occurrence);
    if (!Number.isSafeInteger(occurrence) || occurrence < 1) throw new UsageError(`--occurrence must be a whole number from 1, got "${values.occurrence}"`);
  }
  // Opened through the store so the files are read under the lock, never half-way through another writer's change.
  const kb = (await openStore(dataDirOf(values.data))).current;
  const draft: Draft = { records: kb.stored, get: (id) => kb.storedRecord(id), kindOf: (id) => kb.kindOf(id) };
  const evidence = anchorEvidence(draft, { sourceId, quote: positionals[0]!, occurrence, near: values.near }, 'quote');
  process.stdout.write(`${JSON.stringify(evidence, null, 2)}\n`);
}

/** Reads an article file (or several) as JSON; a file that cannot be read or parsed is refused with its name. */
async function readArticleFiles(files: string[]): Promise<ArticleInput[]> {
  const inputs: ArticleInput[] = [];
  for (const file of files) {
    const parsed = parseArticleJson(file, await readTextFile(file));
    if ('problem' in parsed) throw new AuthorError(parsed.problem.code, `${file}: ${parsed.problem.message}`);
    inputs.push({ name: file, content: parsed.content });
  }
  return inputs;
}

const changeMarks: Record<string, string> = { CREATED: '+', UPDATED: '~', REPORTED: '~', MERGED: '>', RETRACTED: '-' };

/** The plan, record by record, for a person to read. */
function describePlan(plan: ArticlePlan, verb: 'would' | 'did'): string {
  const lines = plan.changes.map((change) => `  ${changeMarks[change.change] ?? '~'} ${change.kind.padEnd(12)} ${change.id.padEnd(44)} ${change.summary.join('; ')}`);
  const byChange = new Map<string, number>();
  for (const change of plan.changes) byChange.set(change.change.toLowerCase(), (byChange.get(change.change.toLowerCase()) ?? 0) + 1);
  const counts = [...byChange].map(([change, count]) => `${count} ${change}`);
  const total = plan.changes.length === 0 ? `Nothing ${verb === 'would' ? 'would change' : 'changed'}: everything in the file is already in the knowledge base.` : `${plan.changes.length} record(s) ${verb === 'would' ? 'would change' : 'changed'} (${counts.join(', ')}).`;
  return [...lines, total].join('\n');
}

function reportProblems(problems: readonly Partial<ArticleProblem>[], code: string): void {
  for (const problem of problems) note(`${problem.code ?? code}: ${problem.file} ${problem.path}: ${problem.message}`);
}

async function apply(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { 'dry-run': { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('apply takes one or more article files');
  const files = await readArticleFiles(positionals);
  const dataDir = dataDirOf(values.data);
  const store = await openStore(dataDir);
  if (values['dry-run']) {
    const plan = previewArticles(store.current, files);
    if (plan.problems.length > 0) {
      reportProblems(plan.problems, 'INVALID_RECORD');
      note(`${plan.problems.length} problem(s); nothing would be applied`);
      return 1;
    }
    process.stdout.write(`Dry run against ${dataDir}: nothing was written.\n${describePlan(plan, 'would')}\n`);
    return 0;
  }
  try {
    const { plan, kb } = await applyArticles(store, files, { name: os.userInfo().username || 'author command' });
    process.stdout.write(`${describePlan(plan, 'did')}\n`);
    note(`applied ${files.length} article file(s) to ${dataDir} (dataset version ${kb.info.version})`);
    return 0;
  } catch (error) {
    if (error instanceof CurationError && Array.isArray(error.details.problems) && error.code !== 'STORAGE_FAILED') {
      reportProblems(error.details.problems as ArticleProblem[], error.code);
      note(`${(error.details.problems as unknown[]).length} problem(s); nothing was applied`);
      return 1;
    }
    throw error;
  }
}

async function find(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (positionals.length === 0) throw new UsageError('find takes the words to look for');
  const kb = (await openStore(dataDirOf(values.data))).current;
  const matches = findRecords(kb, positionals.join(' '));
  if (matches.length === 0) {
    note(`nothing matches "${positionals.join(' ')}"`);
    return 1;
  }
  for (const match of matches) process.stdout.write(`${match.id.padEnd(44)} ${match.kind.padEnd(12)} ${match.label}\n`);
  return 0;
}

async function draft(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    title: { type: 'string' },
    published: { type: 'string' },
    url: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    slug: { type: 'string' },
  });
  if (values.force && !values.out) throw new UsageError('--force only applies with --out');
  if (positionals.length !== 1) throw new UsageError('draft takes one article file');
  if (values.published !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.published)) throw new UsageError(`--published must be YYYY-MM-DD, got "${values.published}"`);
  const text = await readTextFile(positionals[0]!);
  const kb = (await openStore(dataDirOf(values.data))).current;
  // Loaded here, not at the top: the NLP library takes a moment to load and only draft needs it.
  const { draftArticle } = await import('../src/authoring/draft/index.js');
  const drafted = draftArticle({ text, title: values.title, publishedOn: values.published, url: values.url, sourceId: values.slug }, kb);
  const schemaPath = path.join(projectRoot, articleFileSchemaPath);
  const schemaReference = values.out ? path.relative(path.dirname(path.resolve(values.out)), schemaPath) : schemaPath;
  const json = `${JSON.stringify({ $schema: schemaReference, ...drafted }, null, 2)}\n`;
  if (!values.out) {
    process.stdout.write(json);
  } else {
    try {
      // Never over a draft a curator may be reviewing, unless told to.
      await writeFile(values.out, json, { flag: values.force ? 'w' : 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new AuthorError('INVALID_INPUT', `${values.out} already exists; give another --out, or --force to replace it`);
      throw new AuthorError('INVALID_INPUT', `cannot write ${values.out}: ${(error as Error).message}`);
    }
  }
  const statements = drafted.statements ?? [];
  const known = statements.filter((statement: { existing?: string }) => statement.existing).length;
  note(`drafted ${statements.length} statement(s) (${known} already in the knowledge base), ${(drafted.persons ?? []).length} person(s), ${(drafted.countries ?? []).length} country(ies), ${(drafted.organizations ?? []).length} organization(s), ${(drafted.events ?? []).length} event(s)${values.out ? ` to ${values.out}` : ''}; review it, then: npm run author -- apply ${values.out ?? '<file>'} --dry-run`);
  return 0;
}

const commands: Record<string, (args: string[]) => Promise<number | void>> = { draft, apply, find, 'add-source': addSource, add, anchor };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (command === '--help' || command === '-h' || command === 'help' || options.includes('--help') || options.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  if (command === undefined) {
    process.stderr.write(usage);
    return 2;
  }
  const run = commands[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return (await run(rest)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      note(`${error.message}\nRun "npm run author -- --help" for the usage.`);
      return 2;
    }
    if (error instanceof CurationError || error instanceof AuthorError) {
      note(`${error.code}: ${error.message}`);
      return 1;
    }
    note(`ERROR: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
