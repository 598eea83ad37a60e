/**
 * The package as npx gets it: `npm pack` of this checkout's build, installed
 * with `npm install --prefix DIR TARBALL` into an empty directory. Packs with
 * --ignore-scripts: the build is the one the tests run against (`npm test`
 * builds first), and rebuilding dist/ here would pull it from under other
 * test files running at the same time.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The checkout's root (where package.json is). */
export const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));

/** One file of `npm pack --json`'s list. */
export interface PackedFile {
  readonly path: string;
  readonly size: number;
  readonly mode: number;
}

/** What `npm pack --json` says about the tarball. */
export interface PackReport {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly PackedFile[];
}

/** `npm pack` of the checkout as it is built now (with `dryRun`, nothing is written). */
export async function npmPack(opts: { destination?: string; dryRun?: boolean } = {}): Promise<PackReport> {
  if (!existsSync(join(CHECKOUT, 'dist', 'cli.js'))) throw new Error('dist/ is not built: run npm run build first');
  const args = ['pack', '--json', '--ignore-scripts', ...(opts.dryRun ? ['--dry-run'] : []), ...(opts.destination ? ['--pack-destination', opts.destination] : [])];
  const { stdout } = await run('npm', args, { cwd: CHECKOUT, maxBuffer: 16 << 20 });
  return (JSON.parse(stdout) as PackReport[])[0]!;
}

/** The tarball installed into an empty prefix. */
export interface InstalledPackage {
  readonly prefix: string;
  readonly tarball: string;
  readonly pack: PackReport;
  /** The `pg-secure-setup` command npm linked into node_modules/.bin. */
  readonly bin: string;
  /** The installed package's directory. */
  readonly dir: string;
  /** npm install's own output (warnings go to stderr). */
  readonly installOutput: { stdout: string; stderr: string };
  readonly remove: () => Promise<void>;
}

/**
 * Pack and install into a new empty prefix, offline: with no dependencies
 * there is nothing to fetch, and --offline makes npm fail if there were.
 */
export async function packAndInstall(): Promise<InstalledPackage> {
  const work = await mkdtemp(join(tmpdir(), 'pgss-npx-'));
  try {
    const pack = await npmPack({ destination: work });
    const tarball = join(work, pack.filename);
    const prefix = join(work, 'prefix');
    const installOutput = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { cwd: work });
    return {
      prefix,
      tarball,
      pack,
      bin: join(prefix, 'node_modules', '.bin', 'pg-secure-setup'),
      dir: join(prefix, 'node_modules', 'pg-secure-setup'),
      installOutput,
      remove: () => rm(work, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** The checkout's package.json. */
export async function checkoutPackageJson(): Promise<{ version: string } & Record<string, unknown>> {
  return JSON.parse(await readFile(join(CHECKOUT, 'package.json'), 'utf8')) as { version: string } & Record<string, unknown>;
}
