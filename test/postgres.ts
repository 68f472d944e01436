/**
 * A throwaway PostgreSQL server for tests and development: a new cluster in a temporary folder, on a free
 * port of 127.0.0.1, with trust authentication, stopped and deleted afterwards. It runs Debian's (or any)
 * PostgreSQL server binaries; there is no emulation. PostgreSQL refuses to run as root, so as root every
 * server command runs as the `postgres` user (`runuser -u postgres --`), which owns the folder.
 *
 * In tests: `const pg = await startPostgres()` in `beforeAll`, `await pg.stop()` in `afterAll`, and
 * `await pg.createDatabase()` for each database a test needs (a copy of a template that has the
 * extensions, so it costs a few milliseconds).
 *
 * For development, `npx tsx test/postgres.ts` starts one and prints a DATABASE_URL to use with
 * `npm run db:migrate` / `db:import` / `db:export`; Ctrl-C stops and deletes it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PostgresServer {
  /** The server's folder (data, socket, log), deleted by `stop()`. */
  readonly dir: string;
  /** The connection string of a database on this server (`postgres` when not given). */
  url(database?: string): string;
  /** Creates a new empty database with pg_trgm and unaccent; returns its connection string. */
  createDatabase(name?: string): Promise<string>;
  /** Shuts the server down (fast mode: open connections are cut) and keeps its data, for `restart()`. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port with the same data. */
  restart(): Promise<void>;
  /** The shell command that starts this server's folder again once this process is gone (a kept benchmark database). */
  startCommand(): string;
  /** Stops the server and deletes its folder; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Starts a streaming replica of this server (pg_basebackup, then a hot standby on a port of its own)
   * that replays every change the server makes; `stop()` it before this server.
   */
  startStandby(): Promise<StandbyServer>;
}

/** A hot standby: read-only, replaying its primary's changes as they stream in. */
export interface StandbyServer {
  /** The connection string of a database on the standby. */
  url(database?: string): string;
  /** Stops the standby and deletes its folder; safe to call twice. */
  stop(): Promise<void>;
}

const installHint =
  'PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them, e.g. `apt-get install -y postgresql` on Debian or Ubuntu ' +
  '(.ci/run does this when run as root), or set NEWSGRAPH_PG_BIN to the folder that holds initdb.';

/** The folder of initdb and pg_ctl: NEWSGRAPH_PG_BIN, else the newest of Debian's /usr/lib/postgresql/<version>/bin, else pg_config's, else one on PATH. */
export function findPostgresBinaries(): string {
  const candidates: string[] = [];
  if (process.env.NEWSGRAPH_PG_BIN) candidates.push(process.env.NEWSGRAPH_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => path.join(debian, version, 'bin')));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  candidates.push(...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean));
  const found = candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')));
  if (!found) throw new Error(installHint);
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `start` on a free port and returns the port; a port found free can be taken before the server binds it, so up to three are tried. */
async function onFreePort(start: (port: number) => Promise<void>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await start(port);
      return port;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** The uid and gid of the `postgres` user, when we are root and must run the server as it. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error('Running as root, and PostgreSQL refuses to: a `postgres` user is needed to run the test server (Debian\'s postgresql package creates it).');
  }
}

/**
 * The server's folder, reachable by the user the server runs as whatever the temporary folder's own mode:
 * the folder is opened to traversal and its data and socket folders given to that user. When a parent is
 * closed to it (TMPDIR under /root, say), /tmp and /var/tmp are tried before giving up.
 */
async function createServerFolder(user: { uid: number; gid: number } | undefined): Promise<{ root: string; dataDir: string; socketDir: string }> {
  const parents = [...new Set([os.tmpdir(), '/tmp', '/var/tmp'])];
  for (const parent of parents) {
    let root: string;
    try {
      root = await mkdtemp(path.join(parent, 'newsgraph-pg-'));
    } catch {
      continue;
    }
    await chmod(root, 0o755);
    const dataDir = path.join(root, 'data');
    const socketDir = path.join(root, 'socket');
    await mkdir(dataDir, { mode: 0o700 });
    await mkdir(socketDir, { mode: 0o700 });
    if (!user) return { root, dataDir, socketDir };
    for (const dir of [root, dataDir, socketDir]) await chown(dir, user.uid, user.gid);
    if (spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dataDir]).status === 0) return { root, dataDir, socketDir };
    await rm(root, { recursive: true, force: true });
  }
  throw new Error(`The postgres user can reach no temporary folder (tried ${parents.join(', ')}): set TMPDIR to a folder it can traverse.`);
}

/** Runs `work` on a new connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Starts a new server in a new folder; `stop()` it when done (the process's exit stops it too, without deleting the folder). */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBinaries();
  const user = await serverUser();
  const command = (program: string, args: string[]): [string, string[]] =>
    user ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]] : [path.join(bin, program), args];
  const exec = async (program: string, args: string[]) => {
    const [file, argv] = command(program, args);
    try {
      return await run(file, argv, { timeout: 60_000 });
    } catch (error) {
      const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
      throw new Error(`${program} failed: ${(stderr || stdout || (error as Error).message).trim()}`);
    }
  };

  const { root, dataDir, socketDir } = await createServerFolder(user);
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    const [file, argv] = command('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    spawnSync(file, argv, { stdio: 'ignore' });
  };
  let port = 0;
  let options = '';
  const startArgs = () => ['-D', dataDir, '-o', options, '-l', path.join(root, 'server.log'), '-w', 'start'];
  const start = () => exec('pg_ctl', ['-t', '30', ...startArgs()]);
  try {
    await exec('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    port = await onFreePort(async (free) => {
      // Durability settings off: a test cluster is thrown away, and fsyncs would make every test slower.
      options = `-p ${free} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      await start();
    });
    process.once('exit', stopSync);
  } catch (error) {
    stopSync();
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const admin = <T>(database: string, work: (client: pg.Client) => Promise<T>) => withClient(url(database), work);
  await admin('postgres', (client) => client.query('CREATE DATABASE newsgraph_template'));
  await admin('newsgraph_template', (client) => client.query('CREATE EXTENSION pg_trgm; CREATE EXTENSION unaccent;'));

  let databases = 0;
  return {
    dir: root,
    url,
    async createDatabase(name = `newsgraph_${++databases}`) {
      await admin('postgres', (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE newsgraph_template`));
      return url(name);
    },
    async halt() {
      await exec('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
    async restart() {
      await start();
    },
    startCommand() {
      const [file, argv] = command('pg_ctl', startArgs());
      return [file, ...argv].map((word) => (/^[\w./=:-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`)).join(' ');
    },
    async stop() {
      if (stopped) return;
      try {
        await exec('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } finally {
        stopped = true;
        process.off('exit', stopSync);
        await rm(root, { recursive: true, force: true });
      }
    },
    async startStandby() {
      const standby = await createServerFolder(user);
      let standbyStopped = false;
      const stopStandbySync = () => {
        if (standbyStopped) return;
        const [file, argv] = command('pg_ctl', ['-D', standby.dataDir, '-m', 'immediate', '-w', 'stop']);
        spawnSync(file, argv, { stdio: 'ignore' });
      };
      let standbyPort = 0;
      try {
        // -R: the copy starts as a standby that streams from this server (standby.signal, primary_conninfo);
        // a fast checkpoint, or the backup waits for a spread one (minutes).
        await exec('pg_basebackup', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', standby.dataDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
        standbyPort = await onFreePort(async (free) => {
          const standbyOptions = `-p ${free} -k ${standby.socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c hot_standby=on`;
          await exec('pg_ctl', ['-D', standby.dataDir, '-o', standbyOptions, '-l', path.join(standby.root, 'server.log'), '-w', '-t', '30', 'start']);
        });
        process.once('exit', stopStandbySync);
      } catch (error) {
        stopStandbySync();
        await rm(standby.root, { recursive: true, force: true });
        throw error;
      }
      return {
        url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${standbyPort}/${database}`,
        async stop() {
          if (standbyStopped) return;
          try {
            await exec('pg_ctl', ['-D', standby.dataDir, '-m', 'fast', '-w', 'stop']);
          } finally {
            standbyStopped = true;
            process.off('exit', stopStandbySync);
            await rm(standby.root, { recursive: true, force: true });
          }
        },
      };
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startPostgres();
  const url = await server.createDatabase('newsgraph');
  console.log(`PostgreSQL is running (Ctrl-C stops it and deletes its data):\n  export DATABASE_URL=${url}`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}
