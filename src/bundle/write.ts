/**
 * Write a bundle so it is never half-written: everything goes into a staging
 * directory beside the target, and one rename makes it appear. Ctrl+C, a
 * crash or an error leaves at most the staging directory, which is removed
 * on exit. Keys are created with their final mode (0600) from the first byte.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { BundleFile } from './materialize.js';
import { previousBundleProblem } from './previous-bundle.js';

const pending = new Set<string>();
let hooked = false;

/** Remove staging directories still pending when the process exits (Ctrl+C ends with process.exit). */
function trackStaging(dir: string): void {
  pending.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of pending) rmSync(d, { recursive: true, force: true });
    });
  }
}

/** Directories whose contents are private (CA keys). */
const PRIVATE_DIRS = new Set(['ca']);

/**
 * Refuse a target that exists and is not an empty directory, unless `force`
 * and it is a previous bundle.
 * Call it before any slow work so bad input fails at once.
 */
export async function checkTarget(out: string, force: boolean): Promise<void> {
  const target = resolve(out);
  let st;
  try {
    st = await lstat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`--out ${out}: cannot be used (${(err as Error).message})`);
  }
  if (!st.isDirectory()) throw new UsageError(`--out ${out}: exists and is not a directory`);
  if ((await readdir(target)).length === 0) return;
  if (!force) throw new UsageError(`--out ${out}: directory exists and is not empty; choose another directory or pass --force to replace it`);
  const problem = previousBundleProblem(target);
  if (problem) throw new UsageError(`--out ${out}: ${problem}`);
}

async function writeFileExclusive(path: string, bytes: Uint8Array, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.chmod(mode); // the umask may have cleared bits we want (0755 scripts)
  } finally {
    await handle.close();
  }
}

/** Write `files` as the directory `out`, atomically. Replaces an existing `out` only with `force`. */
export async function writeBundle(out: string, files: readonly BundleFile[], opts: { force: boolean }): Promise<string> {
  await checkTarget(out, opts.force);
  const target = resolve(out);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.${basename(target)}.staging-${randomBytes(4).toString('hex')}`);
  trackStaging(staging);
  try {
    await mkdir(staging, { mode: 0o700 });
    for (const file of files) {
      if (file.path.split('/').some((part) => part === '..' || part === '') || file.path.startsWith('/')) {
        throw new Error(`internal: unsafe bundle path ${file.path}`);
      }
      const path = join(staging, file.path);
      const top = file.path.split('/')[0]!;
      await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIRS.has(top) ? 0o700 : 0o755 });
      await writeFileExclusive(path, file.bytes, file.mode);
    }
    await chmod(staging, 0o700);
    await swapIn(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
    pending.delete(staging);
  }
  return target;
}

async function swapIn(staging: string, target: string): Promise<void> {
  let exists = true;
  try {
    await lstat(target);
  } catch {
    exists = false;
  }
  if (!exists) {
    await rename(staging, target);
    return;
  }
  if ((await readdir(target)).length === 0) {
    await rmdir(target);
    await rename(staging, target);
    return;
  }
  // --force: move the old bundle aside, put the new one in place, then delete the old one.
  const old = `${target}.old-${randomBytes(4).toString('hex')}`;
  await rename(target, old);
  try {
    await rename(staging, target);
  } catch (err) {
    await rename(old, target);
    throw err;
  }
  await rm(old, { recursive: true, force: true });
}
