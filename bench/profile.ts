/**
 * A CPU profile of the production server under the statement-feed load (or PROFILE_FIXTURE's), summarised.
 *
 *   npx tsx bench/profile.ts                      capture and summarise (writes bench/results/profile-FIXTURE.md)
 *   npx tsx bench/profile.ts summarize FILE…      summarise existing .cpuprofile files (prints only)
 *
 * Capture: builds and starts the bundle `npm start` runs (`node --cpu-prof dist/index.mjs`) on 127.0.0.1
 * (PORT=0, default log level 'info', stdout drained as in bench/compare.ts), checks its answer, warms up, then drives
 * it with autocannon (50 connections) twice: first with the fixture's request as is (production answers
 * it from its response cache), then with a unique `?nocache=N` on every URL (every request executes).
 * Every response body is checked. SIGTERM makes the server exit and V8 write the profile.
 *
 * The profile covers the whole process; the summary keeps only the samples inside each load window
 * (V8's profile clock and process.hrtime are both CLOCK_MONOTONIC on Linux, so the windows line up).
 * For each window it lists where the samples fall: by package or source file ("area"), the top
 * functions by self time, and the top functions by inclusive time (each function counted once per sample).
 *
 * The raw profile is kept as bench/results/FIXTURE.cpuprofile (not committed: *.cpuprofile is
 * ignored); open it in Chrome DevTools or summarise it again with `summarize`.
 *
 * Environment: PROFILE_FIXTURE (default statement-feed), PROFILE_SECONDS (per window, default 15),
 * PROFILE_WARMUP (seconds, 5), PROFILE_CONNECTIONS (50), PROFILE_SERVER (`production`, the default, or
 * `mercurius`: bench/variants/mercurius.ts under the same load, to compare where each spends its time;
 * written to bench/results/profile-FIXTURE-mercurius.md).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProductionBundle, loadFixtures, projectRoot, REQUEST_HEADERS, requestBody, runCannon, startServerProcess, type CannonRequest } from './lib.js';

// ---------------------------------------------------------------------------------------------------
// The .cpuprofile format (V8's Profiler.Profile)

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Microseconds on the monotonic clock V8's profiler uses. */
type Micros = number;

interface Window {
  label: string;
  start: Micros;
  end: Micros;
  requests: number;
}

// ---------------------------------------------------------------------------------------------------
// Summary

const META = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

function shortUrl(url: string): string {
  if (url === '') return '';
  const clean = url.replace(/^file:\/\//, '');
  const inModules = clean.lastIndexOf('/node_modules/');
  if (inModules !== -1) return clean.slice(inModules + '/node_modules/'.length);
  if (clean.startsWith(`${projectRoot}/`)) return clean.slice(projectRoot.length + 1);
  return clean;
}

/** Where a frame's code lives: an npm package, a project file, a Node core module, V8 itself. */
function areaOf(frame: CallFrame): string {
  if (META.has(frame.functionName)) return frame.functionName;
  const url = frame.url.replace(/^file:\/\//, '');
  if (url === '') return '(V8 builtins and native code)';
  const inModules = url.lastIndexOf('/node_modules/');
  if (inModules !== -1) {
    const rest = url.slice(inModules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return `node core (${url.replace(/^node:(internal\/)?/, '').split('/')[0]})`;
  if (url.startsWith(`${projectRoot}/`)) return url.slice(projectRoot.length + 1);
  return url;
}

function frameLabel(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  const where = shortUrl(frame.url);
  // tsx's compiled TypeScript does not keep the .ts line numbers: name the file only.
  if (where.endsWith('.ts')) return `${name} (${where})`;
  return where ? `${name} (${where}:${frame.lineNumber + 1})` : name;
}

interface Summary {
  label: string;
  seconds: number;
  requests: number;
  sampledMs: number;
  areas: [string, number][];
  self: [string, number][];
  /** Per function with self time: who called it, with the self time under each caller. */
  callers: Map<string, [string, number][]>;
  inclusive: [string, number][];
}

/** Frames left out of the inclusive table: the event loop's and promises' plumbing, which every stack shares. */
function isPlumbing(frame: CallFrame): boolean {
  return frame.url.startsWith('node:') || frame.url.includes('/@whatwg-node/promise-helpers/') || (frame.url === '' && frame.functionName !== 'stringify' && frame.functionName !== 'parse');
}

function summarise(profile: CpuProfile, window: Window): Summary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfByArea = new Map<string, number>();
  const selfByFrame = new Map<string, number>();
  const inclusiveByFrame = new Map<string, number>();
  const callers = new Map<string, Map<string, number>>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < window.start || at > window.end) continue;
    // The time until the next sample is this sample's weight.
    const weight = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]!)!;
    total += weight;
    const area = areaOf(node.callFrame);
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + weight);
    const label = frameLabel(node.callFrame);
    selfByFrame.set(label, (selfByFrame.get(label) ?? 0) + weight);
    // The nearest caller that is not a nameless native frame or promise plumbing.
    let caller = parent.get(node.id);
    while (caller !== undefined && isPlumbing(byId.get(caller)!.callFrame) && !byId.get(caller)!.callFrame.url.startsWith('node:')) caller = parent.get(caller);
    if (caller !== undefined) {
      const byCaller = callers.get(label) ?? new Map<string, number>();
      const callerLabel = frameLabel(byId.get(caller)!.callFrame);
      byCaller.set(callerLabel, (byCaller.get(callerLabel) ?? 0) + weight);
      callers.set(label, byCaller);
    }
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (META.has(frame.functionName) || isPlumbing(frame)) continue;
      const key = frameLabel(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveByFrame.set(key, (inclusiveByFrame.get(key) ?? 0) + weight);
    }
  }
  const sorted = (map: Map<string, number>) => [...map].sort(([, a], [, b]) => b - a);
  return {
    label: window.label,
    seconds: (window.end - window.start) / 1e6,
    requests: window.requests,
    sampledMs: total / 1000,
    areas: sorted(selfByArea),
    self: sorted(selfByFrame),
    callers: new Map([...callers].map(([label, byCaller]) => [label, sorted(byCaller)])),
    inclusive: sorted(inclusiveByFrame),
  };
}

function render(summary: Summary, top = 25, callersOf = 10): string {
  const pct = (us: number) => `${((us / 1000 / summary.sampledMs) * 100).toFixed(1)}%`;
  const perRequest = (us: number) => (summary.requests > 0 ? `${Math.round(us / summary.requests)}` : '–');
  const busy = summary.sampledMs * 1000 - (summary.areas.find(([a]) => a === '(idle)')?.[1] ?? 0);
  const lines = [
    `### ${summary.label}`,
    '',
    `${summary.seconds.toFixed(1)} s window, ${summary.requests.toLocaleString('en-US')} responses, ${Math.round(summary.sampledMs).toLocaleString('en-US')} ms sampled on the main thread, ` +
      `${Math.round(busy / 1000).toLocaleString('en-US')} ms of it busy (${summary.requests > 0 ? Math.round(busy / summary.requests) : '–'} µs per response).`,
    '',
    '**Self time by area** (package, source file or Node core module)',
    '',
    '| Area | self | µs per response |',
    '|---|--:|--:|',
    ...summary.areas.slice(0, top).map(([area, us]) => `| ${area} | ${pct(us)} | ${perRequest(us)} |`),
    '',
    `**Top ${top} functions by self time**`,
    '',
    '| Function | self | µs per response |',
    '|---|--:|--:|',
    ...summary.self.slice(0, top).map(([label, us]) => `| \`${label}\` | ${pct(us)} | ${perRequest(us)} |`),
    '',
    `**Who calls the top ${callersOf} self-time functions** (self time of the function under each caller; nameless native frames and promise plumbing skipped)`,
    '',
    '| Function | callers |',
    '|---|---|',
    ...summary.self
      .filter(([label]) => !META.has(label))
      .slice(0, callersOf)
      .map(([label]) => `| \`${label}\` | ${(summary.callers.get(label) ?? []).slice(0, 3).map(([caller, us]) => `\`${caller}\` ${perRequest(us)} µs`).join('; ')} |`),
    '',
    `**Top ${top} functions by inclusive time** (the function and everything it called; Node core, native frames and promise plumbing left out)`,
    '',
    '| Function | inclusive | µs per response |',
    '|---|--:|--:|',
    ...summary.inclusive.slice(0, top).map(([label, us]) => `| \`${label}\` | ${pct(us)} | ${perRequest(us)} |`),
    '',
    '**Our code** (src/, or the bundle made of it: dist/), by inclusive time',
    '',
    '| Function | inclusive | µs per response |',
    '|---|--:|--:|',
    ...summary.inclusive
      .filter(([label]) => label.includes('(src/') || label.includes('(dist/'))
      .slice(0, 15)
      .map(([label, us]) => `| \`${label}\` | ${pct(us)} | ${perRequest(us)} |`),
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Capture

function intFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
}

const withoutExtensions = (body: string) => {
  const at = body.lastIndexOf(',"extensions":');
  return at === -1 ? body : `${body.slice(0, at)}}`;
};

async function capture(): Promise<void> {
  const seconds = intFromEnv('PROFILE_SECONDS', 15);
  const warmup = intFromEnv('PROFILE_WARMUP', 5);
  const connections = intFromEnv('PROFILE_CONNECTIONS', 50);
  const fixtureName = process.env.PROFILE_FIXTURE || 'statement-feed';
  const fixture = loadFixtures([fixtureName])[0]!;
  if (fixture.variableSets.length !== 1) throw new Error(`${fixtureName}: profile a query with one variables set`);
  const body = requestBody(fixture, fixture.variableSets[0]!);
  const serverName = process.env.PROFILE_SERVER || 'production';
  const entries: Record<string, string> = { production: 'dist/index.mjs', mercurius: 'bench/variants/mercurius.ts' };
  const entry = entries[serverName];
  if (!entry) throw new Error(`PROFILE_SERVER=${serverName}: expected one of ${Object.keys(entries).join(', ')}`);
  if (serverName === 'production') buildProductionBundle();
  const command = `node --cpu-prof ${entry.endsWith('.ts') ? '--import tsx ' : ''}${entry}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'newsgraph-profile-'));
  console.log(`starting ${command} (profile in ${dir}) …`);
  const server = await startServerProcess(serverName, entry, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  try {
    const first = await fetchOnce(server.port, body);
    const parsed = JSON.parse(first) as { data?: unknown; errors?: unknown };
    if (!parsed.data || parsed.errors) throw new Error(`${fixtureName} failed: ${first.slice(0, 300)}`);
    const expected = withoutExtensions(first);
    let nonce = 0;
    const run = async (label: string, durationS: number, nocache: boolean): Promise<Window> => {
      let mismatches = 0;
      const request: CannonRequest = {
        method: 'POST',
        path: '/graphql',
        headers: REQUEST_HEADERS,
        body,
        setupRequest: (r) => (nocache ? { ...r, path: `/graphql?nocache=${(nonce += 1)}` } : r),
        onResponse: (status, text) => {
          if (status !== 200 || withoutExtensions(text) !== expected) mismatches += 1;
        },
      };
      const start = Number(process.hrtime.bigint() / 1000n);
      const result = await runCannon({ url: `http://127.0.0.1:${server.port}`, connections, duration: durationS, requests: [request] });
      const end = Number(process.hrtime.bigint() / 1000n);
      if (mismatches > 0 || result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
        throw new Error(`${label}: ${mismatches} mismatched bodies, ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
      }
      console.log(`  ${label}: ${result.requests.total} responses in ${result.duration} s (${Math.round(result.requests.total / result.duration)} req/s)`);
      return { label, start, end, requests: result.requests.total };
    };
    if (warmup > 0) {
      await run('warm-up (cached)', warmup, false);
      await run('warm-up (uncached)', warmup, true);
    }
    const windows = [
      await run(`${fixtureName}, as shipped (answered from the response cache)`, seconds, false),
      await run(`${fixtureName}, response cache missed (a unique ?nocache=N per request)`, seconds, true),
    ];
    await server.stop();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${dir}\n${server.outputTail()}`);
    const suffix = serverName === 'production' ? '' : `-${serverName}`;
    const kept = path.join(projectRoot, 'bench', 'results', `${fixtureName}${suffix}.cpuprofile`);
    copyFileSync(path.join(dir, file), kept);
    const profile = JSON.parse(readFileSync(kept, 'utf8')) as CpuProfile;
    for (const w of windows) {
      if (w.start < profile.startTime || w.end > profile.endTime) throw new Error(`the window "${w.label}" lies outside the profile's time range: the clocks do not line up`);
    }
    const sections = windows.map((w) => render(summarise(profile, w)));
    const markdown = `# CPU profile: ${serverName} under the ${fixtureName} load

Written by \`npx tsx bench/profile.ts\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version},
${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? '?'}: \`${command}\` at its default log level,
${connections} connections of autocannon from another process, bench/fixtures/${fixtureName}.graphql.
Only the main thread is sampled; only samples inside each load window count. Self time: samples whose
top frame is the function; inclusive: samples with the function anywhere on the stack. Source lines are
those of the running JavaScript (the bundle's, or tsx's compiled output), close to, not exactly, the .ts lines.

${sections.join('\n')}`;
    const out = path.join(projectRoot, 'bench', 'results', `profile-${fixtureName}${suffix}.md`);
    writeFileSync(out, markdown);
    console.log(`\n${markdown}\nwrote ${path.relative(projectRoot, out)}`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fetchOnce(port: number, body: string): Promise<string> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { ...REQUEST_HEADERS, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end(body);
  });
}

if (process.argv[2] === 'summarize') {
  for (const file of process.argv.slice(3)) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    console.log(render(summarise(profile, { label: path.basename(file), start: profile.startTime, end: profile.endTime, requests: 0 })));
  }
} else {
  await capture();
}
