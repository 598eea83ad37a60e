/**
 * Running the server's own programs (postgres -C, pg_ctl, psql) as the
 * server's OS user: PostgreSQL refuses to run as root (18.1), and peer
 * authentication on the socket knows the server's user.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { OsUser } from './plan.js';

/** What a finished program said. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where progress lines go; problems (`problem` true) belong on stderr. */
export type Log = (line: string, problem?: boolean) => void;

/** An argv array with who runs it, for --dry-run and messages; or an SQL statement sent to the server (argv empty). */
export interface Step {
  readonly argv: readonly string[];
  readonly as?: string;
  readonly sql?: string;
}

/** Run a program, never throwing for a non-zero exit. */
export function exec(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ code, stdout, stderr: err && !stderr && typeof err.code !== 'number' ? err.message : stderr });
    });
  });
}

// libpq settings from the caller's environment must not steer our own psql.
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env.LC_MESSAGES = 'C';
  return env;
}

/** The argv that runs `file args` as `user`: directly when we are that user, through runuser when root. */
export function asUserArgv(user: OsUser, file: string, args: readonly string[]): string[] {
  const uid = process.getuid?.();
  if (uid === user.uid) return [file, ...args];
  if (uid === 0) return ['runuser', '-u', user.name, '--', file, ...args];
  throw new UsageError(`run this as root or as the server's OS user "${user.name}" (it owns the data directory)`);
}

/** Run a program as the server's OS user. */
export function execAs(user: OsUser, file: string, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
  const [cmd, ...rest] = asUserArgv(user, file, args);
  return exec(cmd!, rest, { env: cleanEnv(), timeoutMs: opts.timeoutMs });
}

/** The directory holding postgres, pg_ctl and psql for a major version: --pg-bin, Debian's, RHEL's, or PATH. */
export function findBinDir(version: number, given?: string): string | undefined {
  const candidates = given ? [given] : [`/usr/lib/postgresql/${version}/bin`, `/usr/pgsql-${version}/bin`, ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  return candidates.find((d) => existsSync(join(d, 'postgres')) && existsSync(join(d, 'pg_ctl')));
}

/** Major version from `postgres --version` output, e.g. "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)". */
export function parseServerVersion(text: string): number | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The name of a user id, from the password database. */
export async function userName(uid: number): Promise<string> {
  const r = await exec('id', ['-nu', String(uid)]);
  const name = r.stdout.trim();
  if (r.code !== 0 || !name) throw new UsageError(`the data directory's owner (uid ${uid}) has no user name`);
  return name;
}

/** The name of a group id, or undefined. */
export async function groupName(gid: number): Promise<string | undefined> {
  const r = await exec('getent', ['group', String(gid)]);
  return r.code === 0 ? r.stdout.split(':')[0] || undefined : undefined;
}
