/**
 * The scale benchmark: `npm run bench:scale`.
 *
 * For each scale (1 = the real `data/`, then 10×, 100×, 1000× built by `scripts/generate-dataset.ts`
 * into a temporary folder and reused while the generator and the seed are unchanged), starts a fresh
 * child process (`node --expose-gc --import tsx`, so memory figures are that scale's alone) which:
 *   1. loads the data with `loadKnowledgeBase`, drawing a progress bar on stderr once the load takes a
 *      while, and times each loading stage (read/parse, validate, build indexes, search index, graph);
 *   2. reads the peak RSS of the load, then RSS and heapUsed after a full GC;
 *   3. builds the server with `createNewsgraph` (response cache off: the work of answering is measured),
 *      loads the 1× data beside it as a baseline, and measures through `yoga.fetch` (the real HTTP
 *      pipeline, no socket) the median and p95 latency of each query below on both, in alternating
 *      blocks after a warm-up, checking every response.
 * Then, per scale, more fresh processes only load (3 loads in all by default), and the median load is
 * reported. The parent prints tables with ratios against 1× measured in the same run (in the same
 * process, interleaved: machines are noisy, so the targets are ratios), checks the targets, and writes
 * bench/results/scale.md, keeping its hand-written section.
 *
 * Targets: the 1000× data loads in under 5 s (median) with a peak RSS under 1 GB, and every gated
 * query (filtered or paginated, with an answer of the same size at every scale) has a median latency
 * at 1000× at most 2× that of the same query on the 1× data. Exit code 1 when a target fails.
 *
 * Options: --scales 1,10,100,1000  --seed 42  --data-root DIR (default: the OS temp folder)
 *          --budget SECONDS (measuring time per query, default 2.5)  --load-runs N (default 3)
 *          --out FILE (default bench/results/scale.md; "-" writes nothing)  --regenerate
 * Takes about 3 minutes on 2 CPUs, most of it generating the 1000× data the first time.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seedDir = path.join(projectRoot, 'data');
const generatorFile = path.join(projectRoot, 'scripts', 'generate-dataset.ts');
const thisFile = fileURLToPath(import.meta.url);

/** Gated queries must stay within this factor of their scale-1 median at the largest scale. */
const MAX_LATENCY_RATIO = 2;
const MAX_LOAD_MS = 5000;
const MAX_RSS_BYTES = 1024 ** 3;
const GATED_SCALE = 1000;

// ---------------------------------------------------------------------------------------------------
// The queries

interface BenchQuery {
  name: string;
  /** Shown in the results: what the query is and why it is shaped so. */
  label: string;
  /** Held to MAX_LATENCY_RATIO: its answer has the same size at every scale. */
  gated: boolean;
  document: string;
  /** Works out the variables (real cursors, fetched from the connection itself) before measuring. */
  variables: (run: Runner) => Promise<Record<string, unknown>>;
  /** The list field of `data` whose edges are counted. */
  field: 'statements' | 'search';
}

interface PageEnd {
  statements: { pageInfo: { endCursor: string | null } };
}

const statementFields = `id kind text speaker { displayName } mentions { entity { __typename displayName } evidence { text } }`;

/** The seed speaker with the most quotes (6 of them); the same records at every scale. */
const SPEAKER = 'jens-stoltenberg';

const queries: BenchQuery[] = [
  {
    name: 'filtered',
    label: `statements(filter: { speaker: "${SPEAKER}", kind: QUOTE }, first: 2, after: <end of page 2>): page 3; same 2 records at every scale`,
    gated: true,
    field: 'statements',
    document: `query ($speaker: ID!, $after: String) {
      statements(filter: { speaker: $speaker, kind: QUOTE }, first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${statementFields} } }
      }
    }`,
    variables: async (run) => {
      let after: string | null = null;
      for (let page = 1; page <= 2; page++) {
        const data: PageEnd = await run.data<PageEnd>(
          `query ($speaker: ID!, $after: String) { statements(filter: { speaker: $speaker, kind: QUOTE }, first: 2, after: $after) { pageInfo { endCursor } } }`,
          { speaker: SPEAKER, after },
        );
        after = data.statements.pageInfo.endCursor;
      }
      return { speaker: SPEAKER, after };
    },
  },
  {
    name: 'filtered-large',
    label: 'statements(filter: { kind: QUOTE }, orderBy: DATE_DESC, first: 4, after: <end of page 2>): page 3 of a condition that holds for half the statements',
    gated: true,
    field: 'statements',
    document: `query ($after: String) {
      statements(filter: { kind: QUOTE }, orderBy: DATE_DESC, first: 4, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${statementFields} } }
      }
    }`,
    variables: async (run) => {
      let after: string | null = null;
      for (let page = 1; page <= 2; page++) {
        const data: PageEnd = await run.data<PageEnd>(
          `query ($after: String) { statements(filter: { kind: QUOTE }, orderBy: DATE_DESC, first: 4, after: $after) { pageInfo { endCursor } } }`,
          { after },
        );
        after = data.statements.pageInfo.endCursor;
      }
      return { after };
    },
  },
  {
    name: 'deep-page',
    label: 'statements(first: 20, after: <cursor 40 from the end>): unfiltered, deep in the list',
    gated: true,
    field: 'statements',
    document: `query ($after: String) {
      statements(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${statementFields} } } }
    }`,
    variables: async (run) => {
      const data = await run.data<{ statements: { pageInfo: { startCursor: string | null } } }>(
        `{ statements(last: 40) { pageInfo { startCursor } } }`,
      );
      return { after: data.statements.pageInfo.startCursor };
    },
  },
  {
    name: 'date-desc',
    label: 'statements(orderBy: DATE_DESC, first: 20): the newest first',
    gated: true,
    field: 'statements',
    document: `{ statements(orderBy: DATE_DESC, first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${statementFields} } } } }`,
    variables: async () => ({}),
  },
  {
    name: 'filtered-broad',
    label: 'statements(filter: { kind: PARAPHRASE, from: "2015-11-01", to: "2015-12-31" }, first: 20): two conditions that each hold for about half the statements (not gated: totalCount grows with the answer)',
    gated: false,
    field: 'statements',
    document: `{ statements(filter: { kind: PARAPHRASE, from: "2015-11-01", to: "2015-12-31" }, first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${statementFields} } } } }`,
    variables: async () => ({}),
  },
  {
    name: 'search-name',
    label: 'search(query: "Stoltenberg", first: 20): a name (prefix and typo-tolerant)',
    gated: false,
    field: 'search',
    document: `query ($q: String!) {
      search(query: $q, first: 20) {
        totalCount edges { node { score matchedField matchedValue snippet { text highlights { start end } } node { __typename ... on Statement { text } ... on Person { name } } } }
      }
    }`,
    variables: async () => ({ q: 'Stoltenberg' }),
  },
  {
    name: 'search-common',
    label: 'search(query: "coalition", first: 20): a word every copy uses (hits grow with the data)',
    gated: false,
    field: 'search',
    document: `query ($q: String!) {
      search(query: $q, first: 20) {
        totalCount edges { node { score matchedField matchedValue snippet { text highlights { start end } } node { __typename ... on Statement { text } ... on Event { name } } } }
      }
    }`,
    variables: async () => ({ q: 'coalition' }),
  },
];

// ---------------------------------------------------------------------------------------------------
// What a child reports

type Stage = 'read' | 'validate' | 'indexes' | 'search' | 'graph' | 'stats';
const stageLabels: Record<Stage, string> = {
  read: 'read + parse',
  validate: 'validate',
  indexes: 'build indexes',
  search: 'search index',
  graph: 'graph',
  stats: 'stats',
};

interface Sample {
  iterations: number;
  medianMs: number;
  p95Ms: number;
  edges: number;
  totalCount: number;
  /** Node ids of the measured page, to check that a gated page is the same at every scale. */
  ids: string[];
}

interface QueryResult extends Sample {
  name: string;
  /** The same query on the 1× data, loaded in the same process and measured in alternation with this scale's. */
  baseline: Sample;
}

/** One load in a fresh process. */
interface LoadRun {
  loadMs: number;
  /** CPU time of the process during the load (user + system, all threads: GC runs in helper threads too). */
  cpuMs: number;
  /** The machine's 1-minute load average when the load began: other jobs on the machine slow it down. */
  loadAverage: number;
  stageMs: Record<Stage, number>;
  /** Peak RSS of the process up to the end of the load (getrusage's maxrss). */
  peakRssBytes: number;
  /** After a full GC. */
  rssBytes: number;
  heapUsedBytes: number;
}

interface ScaleResult extends LoadRun {
  scale: number;
  dataDir: string;
  counts: Record<string, number>;
  dataBytes: number;
  gcExposed: boolean;
  queries: QueryResult[];
  /** Every load of this scale (the first is the one the queries ran on); the parent fills it in. */
  loadRuns: LoadRun[];
}

// ---------------------------------------------------------------------------------------------------
// Child: one scale

class Runner {
  constructor(private readonly yoga: { fetch: (url: string, init: RequestInit) => Response | Promise<Response> }) {}

  /** One request; returns the raw body (not parsed) and the status. */
  async raw(document: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: string; cacheHit: boolean }> {
    const response = await this.yoga.fetch('http://newsgraph.bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: document, variables }),
    });
    return { status: response.status, body: await response.text(), cacheHit: response.headers.get('x-cache') === 'hit' };
  }

  async data<T>(document: string, variables: Record<string, unknown> = {}): Promise<T> {
    const { status, body } = await this.raw(document, variables);
    const parsed = JSON.parse(body) as { data?: T; errors?: unknown[] };
    if (status !== 200 || parsed.errors?.length || !parsed.data) throw new Error(`query failed (${status}): ${body.slice(0, 500)}`);
    return parsed.data;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** A progress bar on stderr, drawn only once a load has taken a while (a TTY redraws one line; otherwise one line per stage). */
function progressBar(scale: number) {
  const startedAt = performance.now();
  const showAfterMs = 300;
  const tty = process.stderr.isTTY === true;
  const files = 6;
  let fileIndex = -1;
  let lastStage = '';
  let drawn = false;
  const stageOrder: Stage[] = ['indexes', 'search', 'graph', 'stats'];
  return {
    update(stage: Stage, done: number, total: number, detail?: string) {
      if (stage === 'read') fileIndex++;
      const elapsed = performance.now() - startedAt;
      if (elapsed < showAfterMs) return;
      // Ten units: six files (read and validate, with record progress inside), then four build stages.
      const unit = stage === 'read' || (stage === 'validate' && detail?.endsWith('.json')) ? fileIndex + (stage === 'validate' ? done / Math.max(1, total) : 0) : stage === 'validate' ? files : files + stageOrder.indexOf(stage);
      const fraction = Math.min(1, unit / (files + stageOrder.length));
      const what = `${stageLabels[stage]}${detail ? ` ${detail}` : ''}${stage === 'validate' && total > 1 ? ` ${done}/${total}` : ''}`;
      if (tty) {
        const width = 24;
        const filled = Math.round(fraction * width);
        const line = `  ${scale}× loading [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(elapsed / 1000).toFixed(1)} s  ${what}`;
        process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 100) - 1).padEnd(Math.min(99, (process.stderr.columns || 100) - 1))}`);
        drawn = true;
      } else if (`${stage} ${detail ?? ''}` !== lastStage) {
        lastStage = `${stage} ${detail ?? ''}`;
        process.stderr.write(`  ${scale}× loading ${Math.round(fraction * 100)}% ${(elapsed / 1000).toFixed(1)} s  ${stageLabels[stage]}${detail ? ` ${detail}` : ''}\n`);
      }
    },
    done() {
      const elapsed = performance.now() - startedAt;
      if (tty && drawn) process.stderr.write(`\r  ${scale}× loaded in ${(elapsed / 1000).toFixed(1)} s`.padEnd(Math.min(99, (process.stderr.columns || 100) - 1)) + '\n');
      else if (!tty && elapsed >= showAfterMs) process.stderr.write(`  ${scale}× loaded in ${(elapsed / 1000).toFixed(1)} s\n`);
    },
  };
}

/** A query ready to run against one server: its variables worked out (real cursors) and its answer checked once. */
async function prepare(run: Runner, query: BenchQuery) {
  const variables = await query.variables(run);
  const data = await run.data<Record<string, { totalCount: number; edges: { node: { id?: string } }[] }>>(query.document, variables);
  const list = data[query.field]!;
  const once = async () => {
    const started = performance.now();
    const { status, body, cacheHit } = await run.raw(query.document, variables);
    const elapsed = performance.now() - started;
    if (status !== 200 || body.includes('"errors"')) throw new Error(`${query.name} failed during measurement (${status}): ${body.slice(0, 300)}`);
    if (cacheHit) throw new Error(`${query.name} was answered by the response cache; the benchmark measures the work of answering`);
    return elapsed;
  };
  const samples: number[] = [];
  const summary = (): Sample => {
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      iterations: sorted.length,
      medianMs: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      edges: list.edges.length,
      totalCount: list.totalCount,
      ids: list.edges.map((edge) => edge.node.id ?? '').filter(Boolean),
    };
  };
  return { once, samples, summary };
}

/**
 * Measures `query` on this scale's server and, in alternation, on the 1× server in the same process
 * (blocks of a few requests each, the order swapped every round), so both see the same machine noise
 * and the same process. Warm-up first; then rounds until the budget is spent (at least 30 samples each).
 */
async function measure(big: Runner, base: Runner | undefined, query: BenchQuery, budgetMs: number): Promise<QueryResult> {
  const subject = await prepare(big, query);
  const reference = base ? await prepare(base, query) : undefined;
  const both = reference ? [subject, reference] : [subject];
  const warmUntil = performance.now() + budgetMs / 5;
  for (let i = 0; i < 200 && performance.now() < warmUntil; i++) for (const side of both) await side.once();
  const block = 10;
  const until = performance.now() + budgetMs;
  for (let round = 0; subject.samples.length < 30 || (subject.samples.length < 3000 && performance.now() < until); round++) {
    for (const side of round % 2 === 0 ? both : [...both].reverse()) for (let i = 0; i < block; i++) side.samples.push(await side.once());
  }
  const result = subject.summary();
  return { name: query.name, ...result, baseline: reference ? reference.summary() : result };
}

/** Loads one scale's data in this (fresh) process; with a budget of 0, reports the load alone. */
async function child(dataDir: string, scale: number, budgetMs: number): Promise<void> {
  const { loadKnowledgeBase } = await import('../src/kb/load.js');
  const { createNewsgraph } = await import('../src/server.js');
  const { createLogger } = await import('../src/logging.js');

  const bar = progressBar(scale);
  const stageMs: Record<Stage, number> = { read: 0, validate: 0, indexes: 0, search: 0, graph: 0, stats: 0 };
  let current: Stage | undefined;
  let since = 0;
  const loadAverage = os.loadavg()[0] ?? Number.NaN;
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const kb = await loadKnowledgeBase(dataDir, {
    onProgress: ({ stage, done, total, detail }) => {
      const now = performance.now();
      if (current) stageMs[current] += now - since;
      current = stage;
      since = now;
      bar.update(stage, done, total, detail);
    },
  });
  const loadMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (current) stageMs[current] += performance.now() - since;
  bar.done();

  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  const load: LoadRun = { loadMs, cpuMs, loadAverage, stageMs, peakRssBytes, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed };
  if (budgetMs === 0) {
    process.stdout.write(`${JSON.stringify(load)}\n`);
    return;
  }

  // The whole-response cache (when the server has one) would answer every repeat from memory; the
  // benchmark measures the work of answering, so it is turned off (and a cache hit fails the run).
  const serve = (knowledge: typeof kb) => {
    const options = { kb: knowledge, logger: createLogger('silent'), responseCache: false as const };
    return new Runner(createNewsgraph(options).yoga);
  };
  const run = serve(kb);
  // The 1× baseline, loaded after the memory readings so they are this scale's alone.
  const base = scale === 1 ? undefined : serve(await loadKnowledgeBase(seedDir));
  const results: QueryResult[] = [];
  for (const query of queries) results.push(await measure(run, base, query, budgetMs));

  let dataBytes = 0;
  for (const file of await readdir(dataDir)) if (file.endsWith('.json')) dataBytes += statSync(path.join(dataDir, file)).size;
  const result: ScaleResult = { scale, dataDir, counts: kb.counts, dataBytes, ...load, gcExposed: gc !== undefined, queries: results, loadRuns: [load] };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Parent

interface Options {
  scales: number[];
  seed: number;
  dataRoot: string;
  budgetMs: number;
  out: string | undefined;
  regenerate: boolean;
  /** Loads per scale, each in a fresh process; the median is reported. */
  loadRuns: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    scales: [1, 10, 100, 1000],
    seed: 42,
    dataRoot: path.join(os.tmpdir(), 'newsgraph-scale'),
    budgetMs: 2500,
    out: path.join(projectRoot, 'bench', 'results', 'scale.md'),
    regenerate: false,
    loadRuns: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (arg === '--regenerate') {
      options.regenerate = true;
      continue;
    }
    if (value === undefined) throw new Error(`${arg} needs a value`);
    i++;
    if (arg === '--scales') options.scales = value.split(',').map(Number);
    else if (arg === '--seed') options.seed = Number(value);
    else if (arg === '--data-root') options.dataRoot = path.resolve(value);
    else if (arg === '--budget') options.budgetMs = Number(value) * 1000;
    else if (arg === '--out') options.out = value === '-' ? undefined : path.resolve(value);
    else if (arg === '--load-runs') options.loadRuns = Number(value);
    else throw new Error(`unknown argument "${arg}"`);
  }
  if (options.scales.some((s) => !Number.isInteger(s) || s < 1)) throw new Error('--scales must be whole numbers of at least 1');
  if (!options.scales.includes(1)) options.scales.unshift(1);
  if (!Number.isInteger(options.seed)) throw new Error('--seed must be a whole number');
  if (!(options.budgetMs > 0)) throw new Error('--budget must be a positive number of seconds');
  if (!Number.isInteger(options.loadRuns) || options.loadRuns < 1) throw new Error('--load-runs must be a whole number of at least 1');
  return options;
}

function runNode(args: string[], stdout: 'pipe' | 'inherit'): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', stdout, 'inherit'] });
    let out = '';
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`node ${args.join(' ')} exited with ${signal ?? code}`))));
  });
}

/** A fingerprint of what a generated folder depends on: the generator, the seed data and the options. */
function generationKey(scale: number, seed: number): string {
  const hash = createHash('sha256').update(readFileSync(generatorFile)).update(`${scale}/${seed}`);
  for (const file of ['sources', 'persons', 'countries', 'organizations', 'events', 'statements']) hash.update(readFileSync(path.join(seedDir, `${file}.json`)));
  return hash.digest('hex').slice(0, 16);
}

async function datasetFor(scale: number, options: Options): Promise<string> {
  if (scale === 1) return seedDir;
  const dir = path.join(options.dataRoot, `x${scale}-seed${options.seed}`);
  const marker = path.join(dir, '.generated');
  const key = generationKey(scale, options.seed);
  if (!options.regenerate && existsSync(marker) && readFileSync(marker, 'utf8').trim() === key) {
    console.log(`${scale}×: reusing ${dir}`);
    return dir;
  }
  console.log(`${scale}×: generating ${dir}`);
  await runNode(['--import', 'tsx', generatorFile, '--scale', String(scale), '--seed', String(options.seed), '--out', dir], 'inherit');
  writeFileSync(marker, `${key}\n`);
  return dir;
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
const msText = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const ratioText = (value: number, base: number) => (base > 0 ? `${(value / base).toFixed(2)}×` : '-');

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`, ...rows.map(line)];
}

function report(results: ScaleResult[], options: Options): { lines: string[]; failures: string[]; passes: string[] } {
  const base = results.find((r) => r.scale === 1)!;
  const lines: string[] = [];
  const failures: string[] = [];
  const passes: string[] = [];

  lines.push(
    '### Load and memory',
    '',
    `Each scale loaded ${options.loadRuns} time(s), each in a fresh process; the load time, its CPU time and its stages are the median run's,`,
    'the peak RSS the highest of the runs (getrusage maxrss at the end of the load), RSS and heap after a full GC from the first run.',
    `"load avg" is the machine's 1-minute load average as each load began (${os.cpus().length} CPUs): above about 1, other jobs were competing for them.`,
    '',
  );
  const stages = Object.keys(stageLabels) as Stage[];
  lines.push(
    ...table(
      ['scale', 'statements', 'data', 'load (median)', 'each load (ms)', 'CPU', 'load avg', ...stages.map((s) => stageLabels[s]), 'peak RSS', 'RSS after GC', 'heap used'],
      results.map((r) => [
        `${r.scale}×`,
        String(r.counts.statements),
        `${(r.dataBytes / 1e6).toFixed(1)} MB`,
        `${msText(r.loadMs)} ms`,
        r.loadRuns.map((run) => msText(run.loadMs)).join(' / '),
        `${msText(r.cpuMs)} ms`,
        r.loadRuns.map((run) => run.loadAverage.toFixed(1)).join(' / '),
        ...stages.map((s) => `${msText(r.stageMs[s])} ms`),
        mib(r.peakRssBytes),
        mib(r.rssBytes),
        mib(r.heapUsedBytes),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', ...stages.map(() => 'r' as const), 'r', 'r', 'r'],
    ),
    '',
  );

  lines.push(
    '### Query latency',
    '',
    'Median / p95 of each query on the scale\'s data; in brackets, its median over the median of the same query on the 1× data',
    'loaded in the same process and measured in alternation with it (blocks of 10 requests, order swapped each round), so',
    'both see the same machine noise. Gated queries (no "(i)") must stay at or under 2× at 1000×.',
    '',
  );
  const header = ['query', ...results.map((r) => `${r.scale}×`)];
  const rows = queries.map((q) => [
    `${q.gated ? '' : '(i) '}${q.name}`,
    ...results.map((r) => {
      const x = r.queries.find((y) => y.name === q.name)!;
      return `${msText(x.medianMs)} / ${msText(x.p95Ms)} ms${r.scale === 1 ? '' : ` (${ratioText(x.medianMs, x.baseline.medianMs)})`}`;
    }),
  ]);
  lines.push(...table(header, rows, ['l', ...results.map(() => 'r' as const)]), '');
  lines.push('The 1× medians measured alongside each scale (the denominators above), and each scale\'s median over the 1× process\'s:', '');
  lines.push(
    ...table(
      ['query', ...results.filter((r) => r.scale !== 1).map((r) => `1× beside ${r.scale}×`), ...results.filter((r) => r.scale !== 1).map((r) => `${r.scale}× / 1× process`)],
      queries.map((q) => [
        q.name,
        ...results.filter((r) => r.scale !== 1).map((r) => `${msText(r.queries.find((y) => y.name === q.name)!.baseline.medianMs)} ms`),
        ...results.filter((r) => r.scale !== 1).map((r) => ratioText(r.queries.find((y) => y.name === q.name)!.medianMs, base.queries.find((y) => y.name === q.name)!.medianMs)),
      ]),
      ['l', ...results.filter((r) => r.scale !== 1).flatMap(() => ['r' as const, 'r' as const])],
    ),
    '',
  );
  lines.push(
    ...table(
      ['query', 'edges / totalCount per scale', 'samples per scale'],
      queries.map((q) => [q.name, results.map((r) => { const x = r.queries.find((y) => y.name === q.name)!; return `${x.edges}/${x.totalCount}`; }).join(', '), results.map((r) => String(r.queries.find((y) => y.name === q.name)!.iterations)).join(', ')]),
      ['l', 'l', 'l'],
    ),
    '',
  );
  for (const q of queries) lines.push(`- \`${q.name}\`${q.gated ? '' : ' (i: informational, not gated)'}: ${q.label}`);
  lines.push('');

  // Targets
  const largest = results.find((r) => r.scale === GATED_SCALE) ?? results.reduce((a, b) => (b.scale > a.scale ? b : a));
  const check = (ok: boolean, text: string) => (ok ? passes : failures).push(text);
  if (largest.scale !== GATED_SCALE) failures.push(`the targets are for ${GATED_SCALE}×, which this run did not measure (largest: ${largest.scale}×)`);
  check(
    largest.loadMs < MAX_LOAD_MS,
    `${largest.scale}× loads in ${msText(largest.loadMs)} ms, median of ${largest.loadRuns.length} (fastest ${msText(Math.min(...largest.loadRuns.map((r) => r.loadMs)))} ms; ` +
      `load average ${largest.loadRuns.map((r) => r.loadAverage.toFixed(1)).join(' / ')} on ${os.cpus().length} CPUs; target < ${MAX_LOAD_MS} ms)`,
  );
  check(largest.peakRssBytes < MAX_RSS_BYTES, `${largest.scale}× peak RSS ${mib(largest.peakRssBytes)} (target < ${mib(MAX_RSS_BYTES)})`);
  for (const q of queries.filter((x) => x.gated)) {
    const at = largest.queries.find((x) => x.name === q.name)!;
    const from = at.baseline;
    check(
      at.medianMs <= MAX_LATENCY_RATIO * from.medianMs,
      `${q.name}: ${largest.scale}× median ${msText(at.medianMs)} ms = ${ratioText(at.medianMs, from.medianMs)} of 1× measured alongside (${msText(from.medianMs)} ms; target ≤ ${MAX_LATENCY_RATIO}×)`,
    );
    check(at.edges === from.edges, `${q.name}: ${at.edges} edges at ${largest.scale}×, ${from.edges} at 1× (pages of the same size)`);
  }
  // The filtered page is the seed's own records, whatever the scale.
  for (const r of results) {
    const a = r.queries.find((x) => x.name === 'filtered')!.ids.join(',');
    const b = base.queries.find((x) => x.name === 'filtered')!.ids.join(',');
    if (a !== b) failures.push(`filtered: the page at ${r.scale}× is not the page at 1× (${a} vs ${b})`);
  }
  return { lines, failures, passes };
}

const HAND_WRITTEN_MARKER = '## What the profile showed and what changed';

function writeMarkdown(file: string, results: ScaleResult[], body: string[], failures: string[], passes: string[], options: Options): void {
  const cpus = os.cpus();
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const kept = previous.includes(HAND_WRITTEN_MARKER) ? previous.slice(previous.indexOf(HAND_WRITTEN_MARKER)) : `${HAND_WRITTEN_MARKER}\n\n(Written by hand; \`npm run bench:scale\` keeps this section.)\n`;
  const text = [
    '# Scale benchmark',
    '',
    '<!-- Generated by `npm run bench:scale` (bench/scale.ts) down to the hand-written section at the end, which it keeps. -->',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} CPUs, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; each scale in its own \`node --expose-gc --import tsx\` child; queries through \`createNewsgraph(...).yoga.fetch\` (no socket), ${(options.budgetMs / 1000).toFixed(1)} s of measuring per query after a warm-up`,
    `- Data: 1× is \`data/\`; the others come from \`scripts/generate-dataset.ts --scale N --seed ${options.seed}\``,
    `- Scales: ${results.map((r) => `${r.scale}× (${Object.entries(r.counts).map(([k, v]) => `${v} ${k}`).join(', ')})`).join('; ')}`,
    '',
    `**Result: ${failures.length === 0 ? 'PASS' : 'FAIL'}**`,
    '',
    ...passes.map((p) => `- PASS ${p}`),
    ...failures.map((f) => `- FAIL ${f}`),
    '',
    ...body,
    kept.trimEnd(),
    '',
  ].join('\n');
  writeFileSync(file, text);
}

async function parent(options: Options): Promise<number> {
  console.log(`newsgraph scale benchmark: scales ${options.scales.map((s) => `${s}×`).join(', ')}; node ${process.version}, ${os.cpus().length} CPUs`);
  const results: ScaleResult[] = [];
  for (const scale of options.scales) {
    const dir = await datasetFor(scale, options);
    console.log(`${scale}×: measuring in a fresh process`);
    const runChild = async <T>(budgetMs: number): Promise<T> => {
      const out = await runNode(['--expose-gc', '--import', 'tsx', thisFile, '--child', dir, String(scale), String(budgetMs)], 'pipe');
      return JSON.parse(out.trim().split('\n').at(-1) ?? '') as T;
    };
    const result = await runChild<ScaleResult>(options.budgetMs);
    console.log(
      `${scale}×: loaded in ${msText(result.loadMs)} ms, peak RSS ${mib(result.peakRssBytes)}; ` +
        result.queries.map((q) => `${q.name} ${msText(q.medianMs)} ms`).join(', '),
    );
    // More loads, each in a fresh process, so the load time reported is a median rather than one noisy run.
    for (let run = 1; run < options.loadRuns; run++) {
      const load = await runChild<LoadRun>(0);
      result.loadRuns.push(load);
      console.log(`${scale}×: load ${run + 1} of ${options.loadRuns}: ${msText(load.loadMs)} ms, peak RSS ${mib(load.peakRssBytes)}`);
    }
    const byTime = [...result.loadRuns].sort((a, b) => a.loadMs - b.loadMs);
    const median = byTime[Math.floor((byTime.length - 1) / 2)]!;
    results.push({ ...result, loadMs: median.loadMs, cpuMs: median.cpuMs, stageMs: median.stageMs, peakRssBytes: Math.max(...result.loadRuns.map((r) => r.peakRssBytes)) });
  }
  const { lines, failures, passes } = report(results, options);
  console.log(`\n${lines.join('\n')}`);
  for (const p of passes) console.log(`PASS ${p}`);
  for (const f of failures) console.log(`FAIL ${f}`);
  if (options.out) {
    writeMarkdown(options.out, results, lines, failures, passes, options);
    console.log(`\nwrote ${path.relative(projectRoot, options.out)}`);
  }
  console.log(failures.length === 0 ? 'PASS' : 'FAIL');
  return failures.length === 0 ? 0 : 1;
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1]!, Number(argv[2]), Number(argv[3]));
} else {
  try {
    process.exitCode = await parent(parseOptions(argv));
  } catch (error) {
    console.error(`bench:scale failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
