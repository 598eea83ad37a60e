/**
 * Where the lab's PostgreSQL server programs come from: --pg-bin, the
 * machine's own installs (pg_config, Debian/Ubuntu, RHEL/PGDG, Homebrew),
 * then the per-user cache of downloaded servers. Only initdb, pg_ctl and
 * postgres are needed: nothing here depends on psql.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { embeddedBinIn, labCacheDir } from './download.js';

const run = promisify(execFile);

/** The programs a lab needs in a bin directory. */
export const SERVER_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'] as const;

/** Does a directory hold initdb, pg_ctl and postgres? */
export function hasServerPrograms(bin: string): boolean {
  return SERVER_PROGRAMS.every((p) => existsSync(join(bin, p)));
}

/** The major version `postgres --version` reports ("postgres (PostgreSQL) 15.14 (Debian ...)"), or undefined. */
export async function serverMajor(bin: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(join(bin, 'postgres'), ['--version'], { timeout: 10_000 });
    const m = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function subdirs(root: string, pattern: RegExp, bin: (name: string) => string): string[] {
  if (!existsSync(root)) return [];
  try {
    return readdirSync(root).filter((n) => pattern.test(n)).map((n) => join(root, bin(n)));
  } catch {
    return [];
  }
}

async function pgConfigBin(): Promise<string[]> {
  try {
    const { stdout } = await run('pg_config', ['--bindir'], { timeout: 10_000 });
    return [stdout.trim()];
  } catch {
    return [];
  }
}

/** Every place this machine may keep server programs, most specific first. */
export async function candidateBinDirs(): Promise<string[]> {
  const list = [
    ...(await pgConfigBin()),
    ...subdirs('/usr/lib/postgresql', /^\d+$/, (n) => `${n}/bin`),
    ...subdirs('/usr', /^pgsql-\d+$/, (n) => `${n}/bin`),
    ...subdirs('/opt/homebrew/opt', /^postgresql(@\d+)?$/, (n) => `${n}/bin`),
    ...subdirs('/usr/local/opt', /^postgresql(@\d+)?$/, (n) => `${n}/bin`),
    '/usr/local/pgsql/bin',
  ];
  return [...new Set(list)].filter(hasServerPrograms);
}

/** An installed server: its bin directory and major version. */
export interface FoundServer {
  readonly bin: string;
  readonly major: number;
  readonly from: 'pg-bin' | 'installed' | 'cache';
}

/**
 * The server programs to use for `major` (any major when undefined, newest
 * first): installed ones, then the download cache. Undefined when none fits.
 */
export async function findServer(major: number | undefined): Promise<FoundServer | undefined> {
  const found: FoundServer[] = [];
  for (const bin of await candidateBinDirs()) {
    const m = await serverMajor(bin);
    if (m !== undefined) found.push({ bin, major: m, from: 'installed' });
  }
  const fit = found.filter((f) => major === undefined || f.major === major).sort((a, b) => b.major - a.major);
  if (fit[0]) return fit[0];
  if (major !== undefined) {
    const cached = embeddedBinIn(labCacheDir(), major);
    if (cached && hasServerPrograms(cached)) return { bin: cached, major, from: 'cache' };
  }
  return undefined;
}
