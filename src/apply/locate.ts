/**
 * Find a server's files without guessing where the server can tell us:
 * from `--pgdata` / `--config-dir` (or Debian's /etc/postgresql/V/C when
 * there is exactly one cluster of the version), then `postgres -C` for
 * data_directory and hba_file (19.2 File Locations), which reads the
 * configuration the way the server does, includes and all. Knows both
 * layouts: everything in the data directory (initdb, RHEL), and Debian's
 * /etc/postgresql/V/C with data in /var/lib/postgresql/V/C.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { confSettings } from '../pg/conf.js';
import { isDir, readState } from './fs.js';
import { execAs, findBinDir, groupName, parseServerVersion, userName } from './exec.js';
import type { OsUser, ServerLayout } from './plan.js';

/** How to find the server. */
export interface LocateOptions {
  readonly pgdata?: string;
  readonly configDir?: string;
  /** Directory with postgres and pg_ctl. */
  readonly pgBin?: string;
  /** Major version the bundle is for: the data directory must be of it; picks the Debian cluster. */
  readonly version?: number;
  /** Paths a live connection reported (SHOW data_directory, config_file, hba_file). */
  readonly facts?: { dataDirectory: string; configFile: string; hbaFile: string };
  /** Root of Debian's per-cluster configuration. @default '/etc/postgresql' */
  readonly debianRoot?: string;
}

/** The running postmaster, from postmaster.pid (its lines: pid, data dir, start time, port, socket dir, listen address). */
export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  /** First Unix socket directory; undefined when the server has none. */
  readonly socketDir?: string;
  /** First TCP listen address; undefined when it listens on none. */
  readonly listenAddress?: string;
}

/** A located server: its layout, binaries and state. */
export interface LocatedServer extends ServerLayout {
  /** Directory of postgres, pg_ctl and psql of the server's version. */
  readonly bin: string;
  /** Arguments that point postgres at this server's configuration. */
  readonly postgresArgs: readonly string[];
  readonly running?: RunningServer;
}

/** config_file=... from postmaster.opts, as Debian's pg_ctlcluster and `pg_ctl -o` record it. */
export function configFileFromOpts(opts: string): string | undefined {
  const m = /"(?:-c"\s+"|--)config[-_]file=([^"]+)"/.exec(opts);
  return m?.[1];
}

/**
 * A small file of the server's directories as text, undefined when missing.
 * The server's OS user owns them, so they are read as readState reads
 * (threat model in ARCHITECTURE.md): no link of that user's is followed and
 * a FIFO or device in a file's place is refused instead of read, which
 * would hang apply or have root read another file. EACCES says to run as
 * root or as the owner.
 */
function readServerFile(path: string): string | undefined {
  try {
    const state = readState(path);
    return state && Buffer.from(state.bytes).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new UsageError(`${path}: permission denied: run as root or as the owner of the data directory`);
    if (code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Debian's configuration directory for a data directory at /var/lib/postgresql/V/C. */
export function debianConfigDir(dataDir: string, root = '/etc/postgresql'): string | undefined {
  const m = /^\/var\/lib\/postgresql\/(\d+)\/([^/]+)\/?$/.exec(dataDir);
  return m ? join(root, m[1]!, m[2]!) : undefined;
}

/** Parse postmaster.pid (manual "Database File Layout": pid, data directory, start time, port, socket directory, listen address). */
export function parsePostmasterPid(text: string): RunningServer | undefined {
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const port = Number(lines[3]);
  const socketDir = lines[4]?.trim() || undefined;
  const listen = lines[5]?.trim();
  const listenAddress = listen && listen !== '*' ? listen : listen === '*' ? '127.0.0.1' : undefined;
  return { pid, port, ...(socketDir ? { socketDir } : {}), ...(listenAddress ? { listenAddress } : {}) };
}

/** The running postmaster of a data directory, if any (a stale postmaster.pid is not one). */
export async function runningServer(dataDir: string): Promise<RunningServer | undefined> {
  const text = readServerFile(join(dataDir, 'postmaster.pid'));
  if (text === undefined) return undefined;
  const r = parsePostmasterPid(text);
  if (!r) return undefined;
  try {
    process.kill(r.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
  }
  return r;
}

async function debianClusters(root: string, version: number | undefined): Promise<string[]> {
  const versions = version ? [String(version)] : (await readdir(root).catch(() => [] as string[])).filter((v) => /^\d+$/.test(v));
  const found: string[] = [];
  for (const v of versions) {
    const dir = join(root, v);
    const names = await readdir(dir).catch(() => [] as string[]);
    found.push(...names.map((n) => join(dir, n)).filter((d) => existsSync(join(d, 'postgresql.conf'))));
  }
  return found;
}

async function ownerOf(path: string): Promise<OsUser> {
  const st = await stat(path);
  const group = await groupName(st.gid);
  return { name: await userName(st.uid), uid: st.uid, gid: st.gid, ...(group ? { group } : {}) };
}

async function readVersion(dataDir: string): Promise<number> {
  const text = readServerFile(join(dataDir, 'PG_VERSION'));
  if (text === undefined) throw new UsageError(`${dataDir} is not a PostgreSQL data directory (no PG_VERSION file)`);
  return Number(text.trim());
}

const HOW = 'pass --pgdata DIR (and --config-dir DIR when postgresql.conf lives elsewhere), or --connect';

/** Find the configuration file and the data directory (unchecked) from the options. */
async function startingPoint(o: LocateOptions): Promise<{ configFile: string; dataDir?: string }> {
  if (o.facts) return { configFile: o.facts.configFile, dataDir: o.facts.dataDirectory };
  if (o.configDir) {
    const configFile = join(resolve(o.configDir), 'postgresql.conf');
    if (!existsSync(configFile)) throw new UsageError(`--config-dir ${o.configDir}: no postgresql.conf there`);
    return { configFile, ...(o.pgdata ? { dataDir: resolve(o.pgdata) } : {}) };
  }
  if (o.pgdata) {
    const dataDir = resolve(o.pgdata);
    if (!isDir(dataDir)) throw new UsageError(`--pgdata ${o.pgdata}: not a directory`);
    await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`${dataDir}: ${err.code === 'EACCES' ? 'permission denied: run as root or as the owner of the data directory' : `cannot read it (${err.code ?? err.message})`}`);
    });
    const opts = readServerFile(join(dataDir, 'postmaster.opts')) ?? '';
    const fromOpts = configFileFromOpts(opts);
    if (fromOpts && existsSync(fromOpts)) return { configFile: fromOpts, dataDir };
    if (existsSync(join(dataDir, 'postgresql.conf'))) return { configFile: join(dataDir, 'postgresql.conf'), dataDir };
    const deb = debianConfigDir(dataDir, o.debianRoot);
    if (deb && existsSync(join(deb, 'postgresql.conf'))) return { configFile: join(deb, 'postgresql.conf'), dataDir };
    throw new UsageError(`--pgdata ${o.pgdata}: no postgresql.conf in it; pass --config-dir DIR`);
  }
  const root = o.debianRoot ?? '/etc/postgresql';
  const found = await debianClusters(root, o.version);
  const what = `PostgreSQL ${o.version ?? ''} cluster`.replace('  ', ' ');
  if (found.length === 1) return { configFile: join(found[0]!, 'postgresql.conf') };
  if (found.length > 1) throw new UsageError(`several ${what}s in ${root} (${found.join(', ')}): pass --config-dir`);
  throw new UsageError(`no ${what} found: ${HOW}`);
}

/** `postgres -C name`: the value the server would use, read from its files. */
export async function showSetting(s: Pick<LocatedServer, 'bin' | 'postgresArgs' | 'osUser'>, name: string): Promise<{ ok: true; value: string } | { ok: false; error: string }> {
  const r = await execAs(s.osUser, join(s.bin, 'postgres'), [...s.postgresArgs, '-C', name]);
  if (r.code === 0) return { ok: true, value: r.stdout.replace(/\n$/, '') };
  return { ok: false, error: r.stderr.trim() || `postgres -C ${name} exited with ${r.code}` };
}

/** data_directory as the main postgresql.conf sets it; without it the data directory is the configuration directory (19.2). */
async function dataDirFromConfig(configFile: string): Promise<string> {
  const text = readServerFile(configFile);
  if (text === undefined) throw new UsageError(`${configFile}: cannot read it (it does not exist)`);
  const configDir = dirname(configFile);
  const set = confSettings(text).get('data_directory')?.value;
  return set ? resolve(configDir, set) : configDir;
}

/** Locate the server; every failure is a UsageError with what to pass instead. */
export async function locateServer(o: LocateOptions): Promise<LocatedServer> {
  const start = await startingPoint(o);
  const dataDir = start.dataDir ?? (await dataDirFromConfig(start.configFile));
  const version = await readVersion(dataDir);
  if (o.version !== undefined && version !== o.version) {
    throw new UsageError(`the bundle is for PostgreSQL ${o.version}, but ${dataDir} belongs to PostgreSQL ${version}: generate a bundle with --pg-version ${version}`);
  }
  const osUser = await ownerOf(dataDir);
  const bin = findBinDir(version, o.pgBin);
  if (!bin) throw new UsageError(`PostgreSQL ${version} server programs (postgres, pg_ctl) not found: pass --pg-bin DIR`);
  const shownVersion = await execAs(osUser, join(bin, 'postgres'), ['--version']);
  const binVersion = parseServerVersion(shownVersion.stdout);
  if (binVersion !== version) throw new UsageError(`${bin}/postgres is PostgreSQL ${binVersion ?? '?'}, the data directory ${version}: pass --pg-bin DIR`);
  const located = { bin, osUser, postgresArgs: ['-D', dataDir, '-c', `config_file=${start.configFile}`] };
  let hbaFile = o.facts?.hbaFile;
  if (!hbaFile) {
    const shown = await showSetting(located, 'hba_file');
    if (!shown.ok) throw new UsageError(`the server's configuration cannot be read (postgres -C hba_file): ${shown.error}`);
    hbaFile = shown.value;
  }
  const running = await runningServer(dataDir);
  return { ...located, dataDir, configFile: start.configFile, hbaFile: resolve(dataDir, hbaFile), version, ...(running ? { running } : {}) };
}
