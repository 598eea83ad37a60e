/**
 * The published package as npx gets it (packed and installed into an empty
 * prefix): tarball size (target <= 2 MB), packages npm installs (target:
 * exactly one), and `pg-secure-setup --version` against `node -e 0`,
 * alternating in the same run (target <= 1.5x).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { InstalledPackage } from '../helpers/installed-package.js';

const run = promisify(execFile);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ms for one run of `argv` to exit. */
function timeRun(argv: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Packages under the prefix, as `npm ls --all --parseable` lists them (the prefix itself excluded). */
async function installedPackages(prefix: string): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', '--all', '--parseable', '--prefix', prefix]);
  return stdout.split('\n').filter((l) => l.includes('node_modules'));
}

export async function benchPackage(installed: InstalledPackage, rounds = 15): Promise<string> {
  const node: number[] = [];
  const version: number[] = [];
  for (let i = 0; i < rounds; i++) {
    node.push(timeRun([process.execPath, '-e', '0']));
    version.push(timeRun([process.execPath, installed.bin, '--version']));
  }
  const packages = await installedPackages(installed.prefix);
  const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
  return [
    'the package as npx gets it (npm pack, npm install --prefix DIR TARBALL)',
    `  tarball: ${mb(installed.pack.size)} MB (target <= 2), unpacked ${mb(installed.pack.unpackedSize)} MB, ${installed.pack.files.length} files`,
    `  packages installed: ${packages.length} (target: exactly 1)`,
    `  node -e 0: median ${median(node).toFixed(0)} ms; pg-secure-setup --version: median ${median(version).toFixed(0)} ms; ratio ${(median(version) / median(node)).toFixed(2)} (target <= 1.5), ${rounds} alternating rounds`,
  ].join('\n');
}
