/**
 * Where a lab lives: one directory holding its data directory, socket
 * directory, server log, password file and lab.json (the marker that says
 * "this directory is a lab", and what it was made with).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** The directory `lab` uses when --dir is not given. */
export const DEFAULT_LAB_DIR = './pg-secure-setup-lab';

/** The marker file's name. */
export const LAB_FILE = 'lab.json';

/** The paths of one lab. */
export interface LabPaths {
  readonly dir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  readonly passFile: string;
  readonly labFile: string;
  /** The trainer's answers file, copied in by lab start --answers. */
  readonly courseFile: string;
}

/** What lab.json holds. */
export interface LabState {
  readonly version: number;
  readonly port: number;
  /** The server's bin directory (initdb, pg_ctl, postgres). */
  readonly bin: string;
  /** The OS user the server runs as. */
  readonly osUser: string;
  /** The superuser's name; its password is in the password file. */
  readonly superuser: string;
  /** The seeded roles and their (practice) passwords. */
  readonly roles: Readonly<Record<string, string>>;
  /** A trainer's answers file, handed to generate/the wizard as course answers. */
  readonly answers?: string;
}

/** The paths under a lab directory. */
export function labPaths(dir: string | undefined): LabPaths {
  const d = resolve(dir ?? DEFAULT_LAB_DIR);
  return { dir: d, dataDir: join(d, 'data'), socketDir: join(d, 'sock'), logFile: join(d, 'server.log'), passFile: join(d, 'pgpass'), labFile: join(d, LAB_FILE), courseFile: join(d, 'course.json') };
}

/** lab.json, or undefined when the directory holds no lab. */
export async function readLabState(p: LabPaths): Promise<LabState | undefined> {
  if (!existsSync(p.labFile)) return undefined;
  try {
    return JSON.parse(await readFile(p.labFile, 'utf8')) as LabState;
  } catch (err) {
    throw new UsageError(`${p.labFile} is not a lab file this tool wrote: ${(err as Error).message}`);
  }
}

/** lab.json for commands that need an existing lab: a clear message otherwise. */
export async function requireLab(p: LabPaths): Promise<LabState> {
  const state = await readLabState(p);
  if (!state) throw new UsageError(`${p.dir} holds no lab (no ${LAB_FILE}): start one with pg-secure-setup lab start --dir ${p.dir}`);
  return state;
}

/** Write lab.json atomically, readable by its owner only (it names the practice passwords). */
export async function writeLabState(p: LabPaths, state: LabState): Promise<void> {
  const tmp = `${p.labFile}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, p.labFile);
}

/**
 * Why a directory cannot become a new lab, or undefined when it can (it does
 * not exist, or is empty). Another cluster or anyone's files are never touched.
 */
export async function notALabReason(dir: string): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    return `${dir} cannot be read as a directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (names.length === 0) return undefined;
  if (names.includes('PG_VERSION') || names.includes('postgresql.conf')) return `${dir} holds a PostgreSQL data directory that is not a lab; a lab never touches another cluster: choose another --dir`;
  return `${dir} already holds other files (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}) and no ${LAB_FILE}; choose an empty or new --dir`;
}

/** Quote a conninfo value when it needs it (libpq 32.1.1.1). */
export function conninfoValue(v: string): string {
  return /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** The libpq connection string of the lab's superuser over its socket; psql and every --connect take it. */
export function labConnect(p: LabPaths, s: Pick<LabState, 'port' | 'superuser'>): string {
  return `host=${conninfoValue(p.socketDir)} port=${s.port} user=${s.superuser} dbname=postgres passfile=${conninfoValue(p.passFile)}`;
}
