/**
 * File primitives for apply and rollback: read a file's state, write one
 * atomically (temporary file in the same directory, private from its first
 * byte, owner and mode set, flushed, then renamed over the target, so a
 * reader sees the old file or the new one, never half of one). Synchronous
 * on purpose: the exit hook that undoes an interrupted apply must use them.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FileState } from './plan.js';

/** A file's bytes, mode and owner; undefined when it does not exist. Follows symlinks, as the server does. */
/** Whether a path is a directory (false when it does not exist). */
export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function readState(path: string): FileState | undefined {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!st.isFile()) throw new Error(`${path} is not a regular file`);
  return { bytes: readFileSync(path), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** SHA-256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some file systems refuse fsync on directories; the rename is still atomic */
  }
}

/** Write `state` to `path` atomically. A symlinked target is written through (the link stays). */
export function atomicWrite(path: string, state: FileState): void {
  const target = existsSync(path) && lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  const tmp = join(dirname(target), `.${basename(target)}.pg-secure-setup-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      let off = 0;
      while (off < state.bytes.length) off += writeSync(fd, state.bytes, off);
      const uid = process.getuid?.();
      if (uid === 0 || (uid === state.uid && process.getgid?.() !== state.gid)) fchownSync(fd, state.uid, state.gid);
      fchmodSync(fd, state.mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(target));
}

/** Remove a file apply created. */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fsyncDir(dirname(path));
}
