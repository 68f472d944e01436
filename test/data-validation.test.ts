/**
 * Data validation: the real data loads, and every kind of broken data is refused with problems that name
 * the file, the JSON path and what is wrong — by `loadKnowledgeBase`, by `npm run validate` and by the
 * server, which must not start. Each broken case works on a fresh copy of `data/` in a temp dir.
 */
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import type { DataProblem } from '../src/kb/consistency.js';
import { DataValidationError, loadKnowledgeBase } from '../src/kb/load.js';
import { dataDir, shippedDataDir, spawnScript } from './helpers.js';

const dataFileNames = ['sources.json', 'persons.json', 'countries.json', 'organizations.json', 'events.json', 'statements.json'];
const sourceId = 'kerry-to-nato-ante-up';

// ---------------------------------------------------------------------------------------------------------
// Temp copies of data/

const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh copy of `data/` in its own temp dir, removed after the suite. */
async function copyOfData(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-data-'));
  tempDirs.push(dir);
  for (const entry of await readdir(dataDir)) {
    await copyFile(path.join(dataDir, entry), path.join(dir, entry));
  }
  return dir;
}

async function readJson(dir: string, file: string): Promise<any> {
  return JSON.parse(await readFile(path.join(dir, file), 'utf8'));
}

/** Parses `file` in `dir`, lets `edit` change its records in place, and writes it back. */
async function editRecords(dir: string, file: string, edit: (records: any[]) => void): Promise<void> {
  const records = await readJson(dir, file);
  edit(records);
  await writeFile(path.join(dir, file), `${JSON.stringify(records, null, 2)}\n`);
}

/** Loads `dir` and returns the DataValidationError it must be refused with; fails if the load resolves. */
async function loadFailure(dir: string): Promise<DataValidationError> {
  const outcome = await loadKnowledgeBase(dir).then(
    (kb: KnowledgeBase) => ({ kb }),
    (error: unknown) => ({ error }),
  );
  if ('kb' in outcome) {
    expect.fail(`loadKnowledgeBase(${dir}) resolved (version ${outcome.kb.info.version}) instead of rejecting`);
  }
  expect(outcome.error).toBeInstanceOf(DataValidationError);
  const error = outcome.error as DataValidationError;
  // Each problem's rule (which the mutations turn into error codes) is checked in curation.test.ts; here only what people read.
  for (const problem of error.problems) {
    expect(problem.rule).toBeDefined();
    delete problem.rule;
  }
  return error;
}

/** How `DataValidationError.message` lists one problem. */
const line = (p: DataProblem) => `  ${p.file} ${p.path}: ${p.message}`;

// ---------------------------------------------------------------------------------------------------------
// Child processes

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the process was killed: it ran past the timeout or printed what `killWhen` looks for. */
  killed: boolean;
}

/** An environment without the variables the scripts read, so the caller's shell cannot leak in. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of ['DATA_DIR', 'PORT', 'HOST', 'NEWSGRAPH_EXPOSE_ERRORS']) delete env[name];
  return { ...env, ...extra };
}

/** Runs a script in the project root; kills it after `timeoutMs`, or as soon as its stdout matches `killWhen`. */
function runScript(args: string[], options: { env: NodeJS.ProcessEnv; timeoutMs: number; killWhen?: RegExp }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnScript(args, options.env);
    let stdout = '';
    let stderr = '';
    let killed = false;
    const kill = () => {
      if (killed || child.pid === undefined || child.exitCode !== null) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.killWhen?.test(stdout)) kill();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
}

const childTimeoutMs = 15_000;
const childTestTimeoutMs = 20_000;

// ---------------------------------------------------------------------------------------------------------
// The broken copies

interface BrokenCase {
  name: string;
  /** Breaks one thing in a fresh copy of data/. */
  breakData(dir: string): Promise<void>;
  /** Exactly the problems the load must report, in order. */
  expected: DataProblem[] | ((dir: string) => Promise<DataProblem[]>);
}

/** Messages are matched on their key words; zod's exact wording is not part of the contract. */
const says = (...words: string[]) => expect.stringMatching(new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'), 's'));

const brokenCases: BrokenCase[] = [
  {
    name: 'a NUL character in any text is refused at its path (no store can hold it)',
    async breakData(dir) {
      await editRecords(dir, 'persons.json', (records) => {
        records[0].description = 'Secretary\u0000of State';
      });
    },
    expected: [{ file: 'persons.json', path: '$[0].description', message: 'contains a NUL character (U+0000), which text cannot hold' }],
  },
  {
    name: 'a lone UTF-16 surrogate (spelled "\\ud800" in the file) is refused at its path; a pair (an emoji) is text',
    async breakData(dir) {
      await editRecords(dir, 'persons.json', (records) => {
        records[0].aliases = ['Kerry \u{1F600}', 'the secretary \ud800'];
      });
    },
    expected: [{ file: 'persons.json', path: '$[0].aliases[1]', message: 'contains a lone UTF-16 surrogate, which is not a character' }],
  },
  {
    name: 'a file that is not valid JSON is reported with its line and column',
    async breakData(dir) {
      // The trailing comma makes the "}" at line 4, column 3 the offending character.
      await writeFile(path.join(dir, 'events.json'), '[\n  {\n    "id": "x",\n  }\n]\n');
    },
    expected: [{ file: 'events.json', path: '$', message: expect.stringMatching(/^not valid JSON at line 4, column 3: /) }],
  },
  {
    name: 'a truncated file is reported as not valid JSON',
    async breakData(dir) {
      const text = await readFile(path.join(dir, 'persons.json'), 'utf8');
      await writeFile(path.join(dir, 'persons.json'), text.slice(0, Math.floor(text.length / 2)));
    },
    expected: [{ file: 'persons.json', path: '$', message: expect.stringMatching(/^not valid JSON/) }],
  },
  {
    name: 'a file cut off after "[1," is reported at its end',
    async breakData(dir) {
      await writeFile(path.join(dir, 'events.json'), '[\n  1,');
    },
    expected: [{ file: 'events.json', path: '$', message: says('not valid JSON at line 2, column 5', 'Unexpected end of JSON input') }],
  },
  {
    name: 'an empty file',
    async breakData(dir) {
      await writeFile(path.join(dir, 'countries.json'), '\n');
    },
    expected: [{ file: 'countries.json', path: '$', message: 'file is empty (expected an array of records)' }],
  },
  {
    name: 'a missing file',
    async breakData(dir) {
      await rm(path.join(dir, 'organizations.json'));
    },
    expected: [{ file: 'organizations.json', path: '$', message: 'file is missing' }],
  },
  {
    name: 'a file whose top level is an object, not an array',
    async breakData(dir) {
      const countries = await readJson(dir, 'countries.json');
      await writeFile(path.join(dir, 'countries.json'), JSON.stringify({ countries }, null, 2));
    },
    expected: [{ file: 'countries.json', path: '$', message: says('expected an array of records', 'found object') }],
  },
  {
    name: 'a file whose top level is null',
    async breakData(dir) {
      await writeFile(path.join(dir, 'sources.json'), 'null\n');
    },
    expected: [{ file: 'sources.json', path: '$', message: says('expected an array of records', 'found null') }],
  },
  {
    name: 'a schema violation deep in a record (evidence start "abc")',
    async breakData(dir) {
      await editRecords(dir, 'persons.json', (persons) => {
        persons[0].roles[0].evidence[0].start = 'abc';
      });
    },
    expected: [{ file: 'persons.json', path: '$[0].roles[0].evidence[0].start', message: says('expected number', 'string') }],
  },
  {
    name: 'an unknown key in a strict object (a typo such as "speakerID")',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[2].speakerID = 'john-kirby';
      });
    },
    expected: [{ file: 'statements.json', path: '$[2]', message: says('Unrecognized key', '"speakerID"') }],
  },
  {
    name: 'an unknown key inside a nested object',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].audience.evidence[0].length = 14;
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].audience.evidence[0]', message: says('Unrecognized key', '"length"') }],
  },
  {
    name: 'an unknown key in a report (the old single-source "relayedById")',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].reports[0].relayedById = 'john-kirby';
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].reports[0]', message: says('Unrecognized key', '"relayedById"') }],
  },
  {
    name: 'a statement with no report',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].reports = [];
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].reports', message: says('>=1') }],
  },
  {
    name: 'a link with no evidence that is not marked inferred',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        expect(statements[0].aboutEvents[0].evidence.length).toBeGreaterThan(0);
        statements[0].aboutEvents[0].evidence = [];
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].aboutEvents[0].evidence', message: says('no evidence must be marked inferred') }],
  },
  {
    name: 'an inferred link without a note',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        expect(statements[0].saidAt).toMatchObject({ evidence: [], inferred: true });
        delete statements[0].saidAt.note;
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].saidAt.note', message: says('inferred link needs a note') }],
  },
  {
    name: 'a link that always needs words in a source (a role) given none',
    async breakData(dir) {
      await editRecords(dir, 'persons.json', (persons) => {
        persons[0].roles[0].evidence = [];
        persons[0].roles[0].inferred = true;
        persons[0].roles[0].note = 'A test fixture note.';
      });
    },
    expected: [{ file: 'persons.json', path: '$[0].roles[0].evidence', message: says('needs at least 1 evidence span') }],
  },
  {
    name: 'two reports of one statement citing the same words',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].reports.push(structuredClone(statements[0].reports[0]));
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].reports[1].evidence', message: says('another report of this statement already cites these words') }],
  },
  {
    name: 'a bad enum value (statement kind "QUOTATION")',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[1].kind = 'QUOTATION';
      });
    },
    expected: [{ file: 'statements.json', path: '$[1].kind', message: says('QUOTE', 'PARAPHRASE') }],
  },
  {
    name: 'a partial date that is not a calendar date ("2015-13-01")',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].date.value = '2015-13-01';
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].date.value', message: '"2015-13-01" is not a calendar date' }],
  },
  {
    name: 'a partial date whose value does not match its precision',
    async breakData(dir) {
      await editRecords(dir, 'events.json', (events) => {
        expect(events[7].start).toMatchObject({ value: '2015-12', precision: 'MONTH' });
        events[7].start.precision = 'DAY';
      });
    },
    expected: [{ file: 'events.json', path: '$[7].start.value', message: says('"2015-12" does not match precision DAY', 'YYYY-MM-DD') }],
  },
  {
    name: 'an inferred date without a note',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        expect(statements[0].date.inferred).toBe(true);
        delete statements[0].date.note;
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].date.note', message: says('inferred date needs a note') }],
  },
  {
    name: 'a duplicate id within one file',
    async breakData(dir) {
      await editRecords(dir, 'persons.json', (persons) => {
        expect(persons).toHaveLength(10);
        persons.push({ ...persons[1] });
      });
    },
    expected: [
      {
        file: 'persons.json',
        path: '$[10].id',
        message: says('duplicate id "paolo-gentiloni"', 'already used in persons.json at $[1]'),
      },
    ],
  },
  {
    name: 'the same id used in two different files',
    async breakData(dir) {
      await editRecords(dir, 'countries.json', (countries) => {
        expect(countries).toHaveLength(11);
        countries.push({ ...countries[0], id: 'john-kerry' });
      });
    },
    expected: [
      {
        file: 'countries.json',
        path: '$[11].id',
        message: says('duplicate id "john-kerry"', 'already used in persons.json at $[0]', 'unique across all files'),
      },
    ],
  },
  {
    name: 'a reference to an unknown id (speakerId "nobody")',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].speakerId = 'nobody';
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].speakerId', message: says('unknown id "nobody"', 'Person') }],
  },
  {
    // A person, an organization or a country can speak; an event cannot.
    name: 'a reference to an id of the wrong kind (speakerId naming an event)',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].speakerId = 'paris-attacks';
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].speakerId', message: says('"paris-attacks" is an', 'Event', 'must be a Person or an Organization or a Country') }],
  },
  {
    name: 'evidence that names an unknown source',
    async breakData(dir) {
      await editRecords(dir, 'countries.json', (countries) => {
        expect(countries[0].evidence.length).toBeGreaterThan(0);
        countries[0].evidence[0].sourceId = 'no-such-article';
      });
    },
    expected: [{ file: 'countries.json', path: '$[0].evidence[0].sourceId', message: says('unknown source "no-such-article"') }],
  },
  {
    name: 'evidence whose text does not match the source at its offsets',
    async breakData(dir) {
      await editRecords(dir, 'persons.json', (persons) => {
        expect(persons[0].roles[0].evidence[0]).toMatchObject({ start: 48, end: 77, text: 'Secretary of State John Kerry' });
        persons[0].roles[0].evidence[0].text = 'Secretary of State John Kelly';
      });
    },
    expected: [
      {
        file: 'persons.json',
        path: '$[0].roles[0].evidence[0].text',
        message: says(
          `does not match source "${sourceId}" at 48..77`,
          '"Secretary of State John Kelly"',
          'the source has "Secretary of State John Kerry"',
        ),
      },
    ],
  },
  {
    name: 'evidence whose offsets run past the end of the source text',
    async breakData(dir) {
      const [source] = await readJson(dir, 'sources.json');
      await editRecords(dir, 'persons.json', (persons) => {
        persons[0].roles[0].evidence[0].end = source.text.length + 10;
      });
    },
    async expected(dir) {
      const [source] = await readJson(dir, 'sources.json');
      const length: number = source.text.length;
      return [
        {
          file: 'persons.json',
          path: '$[0].roles[0].evidence[0]',
          message: says(`offsets 48..${length + 10} are not a span of source "${sourceId}"`, `${length} characters`),
        },
      ];
    },
  },
  {
    name: 'evidence whose end comes before its start',
    async breakData(dir) {
      await editRecords(dir, 'persons.json', (persons) => {
        persons[0].roles[0].evidence[0].start = 77;
        persons[0].roles[0].evidence[0].end = 48;
      });
    },
    expected: [{ file: 'persons.json', path: '$[0].roles[0].evidence[0]', message: says(`offsets 77..48 are not a span of source "${sourceId}"`) }],
  },
  {
    name: 'a statement whose text is not the words of any of its reports',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].text = statements[0].text.replace('pony up', 'ante up');
        expect(statements[0].reports.map((report: { evidence: { text: string } }) => report.evidence.text)).not.toContain(statements[0].text);
      });
    },
    expected: [{ file: 'statements.json', path: '$[0].text', message: says("statement's text must be the words of one of its reports") }],
  },
  {
    name: 'an unnamed person (name null) without a label',
    async breakData(dir) {
      await editRecords(dir, 'persons.json', (persons) => {
        expect(persons[3]).toMatchObject({ id: 'state-department-official', name: null });
        delete persons[3].label;
      });
    },
    expected: [{ file: 'persons.json', path: '$[3].label', message: says('unnamed person (name null) needs a label') }],
  },
  {
    name: 'a part-of cycle between two events',
    async breakData(dir) {
      await editRecords(dir, 'events.json', (events) => {
        expect(events[9]).toMatchObject({ id: 'paris-attacks', partOf: { eventId: 'islamic-state-attacks-in-europe' } });
        expect(events[10]).toMatchObject({ id: 'islamic-state-attacks-in-europe' });
        events[10].partOf = { eventId: 'paris-attacks', evidence: events[9].partOf.evidence };
      });
    },
    expected: [
      { file: 'events.json', path: '$[9].partOf.eventId', message: says('part-of links form a cycle', '"paris-attacks"') },
      { file: 'events.json', path: '$[10].partOf.eventId', message: says('part-of links form a cycle', '"islamic-state-attacks-in-europe"') },
    ],
  },
  {
    name: 'a continuation cycle between two statements',
    async breakData(dir) {
      await editRecords(dir, 'statements.json', (statements) => {
        expect(statements[2]).toMatchObject({ id: 'kirby-coalition-efforts-italy' });
        expect(statements[3]).toMatchObject({ id: 'kirby-secretary-urging-allies', continuesId: 'kirby-coalition-efforts-italy' });
        statements[2].continuesId = 'kirby-secretary-urging-allies';
      });
    },
    expected: [
      { file: 'statements.json', path: '$[2].continuesId', message: says('continuation links form a cycle', '"kirby-coalition-efforts-italy"') },
      { file: 'statements.json', path: '$[3].continuesId', message: says('continuation links form a cycle', '"kirby-secretary-urging-allies"') },
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------

describe('the shipped data/', () => {
  // The one test that reads data/ itself: whatever curators add must pass the same rules. It expects
  // nothing of what the data says; the tests below and elsewhere read the fixture copy.
  it('is valid', async () => {
    const kb = await loadKnowledgeBase(shippedDataDir);
    expect(kb.counts.sources).toBeGreaterThan(0);
  });
});

describe('the fixture dataset', () => {
  it('loads, with one record per entry in each file', async () => {
    const kb = await loadKnowledgeBase(dataDir);
    const expectedCounts: Record<string, number> = {};
    for (const file of dataFileNames) {
      const records = await readJson(dataDir, file);
      expect(Array.isArray(records)).toBe(true);
      expectedCounts[file.replace(/\.json$/, '')] = records.length;
    }
    expect(kb.counts).toEqual(expectedCounts);
    expect(kb.counts.statements).toBeGreaterThan(0);
    expect(kb.info.dataDir).toBe(path.resolve(dataDir));
  });

  it('has a 16-hex content-hash version that is the same on every load and for an identical copy', async () => {
    const first = await loadKnowledgeBase(dataDir);
    const second = await loadKnowledgeBase(dataDir);
    expect(first.info.version).toMatch(/^[0-9a-f]{16}$/);
    expect(second.info.version).toBe(first.info.version);
    const copy = await loadKnowledgeBase(await copyOfData());
    expect(copy.info.version).toBe(first.info.version);
  });

  it('changes version when one byte of a copy changes', async () => {
    const original = await loadKnowledgeBase(dataDir);
    const dir = await copyOfData();
    const file = path.join(dir, 'persons.json');
    const before = await readFile(file);
    // Flip the case of the first letter of the first description: still valid data, one byte different.
    const at = before.indexOf('"description": "') + '"description": "'.length;
    const after = Buffer.from(before);
    after[at] = before[at]! ^ 0x20;
    expect(after.length).toBe(before.length);
    expect([...after].filter((byte, i) => byte !== before[i])).toHaveLength(1);
    await writeFile(file, after);

    const changed = await loadKnowledgeBase(dir);
    expect(changed.info.version).toMatch(/^[0-9a-f]{16}$/);
    expect(changed.info.version).not.toBe(original.info.version);
    expect(changed.counts).toEqual(original.counts);
  });

  it('accepts a file saved with a UTF-8 byte-order mark', async () => {
    const dir = await copyOfData();
    const file = path.join(dir, 'events.json');
    await writeFile(file, `\uFEFF${await readFile(file, 'utf8')}`);
    const kb = await loadKnowledgeBase(dir);
    expect(kb.counts).toEqual((await loadKnowledgeBase(dataDir)).counts);
  });
});

describe('broken data is refused with the file, JSON path and reason', () => {
  for (const brokenCase of brokenCases) {
    it(brokenCase.name, async () => {
      const dir = await copyOfData();
      await brokenCase.breakData(dir);
      const error = await loadFailure(dir);
      const expected = typeof brokenCase.expected === 'function' ? await brokenCase.expected(dir) : brokenCase.expected;
      expect(error.problems).toEqual(expected);
      expect(error.dataDir).toBe(path.resolve(dir));
      for (const problem of error.problems) expect(error.message).toContain(line(problem));
    });
  }

  it('reports every problem of a load, not just the first, across files (file and schema errors)', async () => {
    const dir = await copyOfData();
    await rm(path.join(dir, 'sources.json'));
    await editRecords(dir, 'persons.json', (persons) => {
      persons[0].roles[0].evidence[0].start = 'abc';
      persons[4].aliases = 'Trudeau';
    });
    await writeFile(path.join(dir, 'events.json'), '[\n  {\n    "id": "x",\n  }\n]\n');
    await editRecords(dir, 'statements.json', (statements) => {
      statements[1].kind = 'QUOTATION';
    });

    const error = await loadFailure(dir);
    expect(error.problems).toEqual([
      { file: 'sources.json', path: '$', message: 'file is missing' },
      { file: 'persons.json', path: '$[0].roles[0].evidence[0].start', message: says('expected number') },
      { file: 'persons.json', path: '$[4].aliases', message: says('expected array') },
      { file: 'events.json', path: '$', message: says('not valid JSON at line 4, column 3') },
      { file: 'statements.json', path: '$[1].kind', message: says('QUOTE', 'PARAPHRASE') },
    ]);
  });

  it('reports every problem of a load, not just the first, across files (reference and evidence errors)', async () => {
    const dir = await copyOfData();
    await editRecords(dir, 'persons.json', (persons) => {
      persons[0].roles[0].evidence[0].text = 'Secretary of State John Kelly';
      delete persons[3].label;
    });
    await editRecords(dir, 'statements.json', (statements) => {
      statements[0].speakerId = 'nobody';
      statements[1].speakerId = 'paris-attacks';
    });

    const error = await loadFailure(dir);
    expect(error.problems).toEqual([
      { file: 'persons.json', path: '$[0].roles[0].evidence[0].text', message: says('does not match source') },
      { file: 'persons.json', path: '$[3].label', message: says('needs a label') },
      { file: 'statements.json', path: '$[0].speakerId', message: says('unknown id "nobody"') },
      { file: 'statements.json', path: '$[1].speakerId', message: says('"paris-attacks" is a', 'Event') },
    ]);
  });

  it('lists each problem in error.message as "file path: message", after a header with the count', async () => {
    const dir = await copyOfData();
    await editRecords(dir, 'statements.json', (statements) => {
      statements[0].speakerId = 'nobody';
      statements[1].speakerId = 'paris-attacks';
      statements[2].text = 'not the words of the source';
    });

    const error = await loadFailure(dir);
    expect(error.name).toBe('DataValidationError');
    expect(error.problems).toHaveLength(3);
    const [header, ...lines] = error.message.split('\n');
    expect(header).toBe(`Invalid data in ${path.resolve(dir)} (3 problems):`);
    expect(lines).toEqual(error.problems.map(line));
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}statements\.json \$\[0\]\.speakerId: unknown id "nobody"/),
      expect.stringMatching(/^ {2}statements\.json \$\[1\]\.speakerId: "paris-attacks" is an? Event/),
      expect.stringMatching(/^ {2}statements\.json \$\[2\]\.text: a statement's text must be the words of one of its reports/),
    ]);
  });

  it('says "1 problem" (singular) for a single problem', async () => {
    const dir = await copyOfData();
    await rm(path.join(dir, 'events.json'));
    const error = await loadFailure(dir);
    expect(error.message).toBe(`Invalid data in ${path.resolve(dir)} (1 problem):\n  events.json $: file is missing`);
  });
});

describe('nothing partial', () => {
  it('loadKnowledgeBase rejects, and never resolves, on every kind of broken data', async () => {
    const outcomes: string[] = [];
    for (const brokenCase of brokenCases) {
      const dir = await copyOfData();
      await brokenCase.breakData(dir);
      const outcome = await loadKnowledgeBase(dir).then(
        (kb) => `${brokenCase.name}: resolved with ${JSON.stringify(kb.counts)}`,
        (error: unknown) =>
          error instanceof DataValidationError && error.problems.length > 0
            ? 'rejected'
            : `${brokenCase.name}: rejected with something other than a DataValidationError: ${String(error)}`,
      );
      outcomes.push(outcome);
    }
    expect(outcomes).toEqual(brokenCases.map(() => 'rejected'));
  });
});

describe('scripts/validate-data.ts (npm run validate)', () => {
  it(
    'exits 0 and says "is valid" on the fixture dataset',
    async () => {
      const { info } = await loadKnowledgeBase(dataDir);
      const result = await runScript(['scripts/validate-data.ts', dataDir], { env: cleanEnv({}), timeoutMs: childTimeoutMs });
      expect(result.killed, result.stderr).toBe(false);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`${path.resolve(dataDir)} is valid (version ${info.version})`);
      expect(result.stdout).toMatch(/\b10 persons\b.*\b24 statements\b/);
      expect(result.stderr).not.toContain('Invalid data');
    },
    childTestTimeoutMs,
  );

  it(
    'exits 1 and prints the file and JSON path of each problem on a broken copy',
    async () => {
      const dir = await copyOfData();
      await editRecords(dir, 'statements.json', (statements) => {
        statements[0].speakerId = 'nobody';
      });
      await editRecords(dir, 'persons.json', (persons) => {
        delete persons[3].label;
      });
      const result = await runScript(['scripts/validate-data.ts', dir], { env: cleanEnv({}), timeoutMs: childTimeoutMs });
      expect(result.killed, result.stderr).toBe(false);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`Invalid data in ${path.resolve(dir)} (2 problems):`);
      expect(result.stderr).toContain('persons.json $[3].label: an unnamed person (name null) needs a label');
      expect(result.stderr).toContain('statements.json $[0].speakerId: unknown id "nobody"');
      expect(result.stdout).not.toContain('is valid');
    },
    childTestTimeoutMs,
  );
});

describe('the server (src/index.ts)', () => {
  it(
    'refuses to start on invalid data: exits 1, names the file and JSON path, never serves',
    async () => {
      const dir = await copyOfData();
      await editRecords(dir, 'persons.json', (persons) => {
        persons[0].roles[0].evidence[0].start = 'abc';
      });
      const result = await runScript(['src/index.ts'], {
        env: cleanEnv({ DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1' }),
        timeoutMs: childTimeoutMs,
        killWhen: /GraphiQL at/,
      });
      expect(result.stdout).not.toContain('GraphiQL at');
      expect(result.killed, `the server was still running; stdout: ${result.stdout}`).toBe(false);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain('newsgraph: not starting.');
      expect(result.stderr).toContain(`Invalid data in ${path.resolve(dir)} (1 problem):`);
      expect(result.stderr).toContain('persons.json $[0].roles[0].evidence[0].start:');
    },
    childTestTimeoutMs,
  );
});
