/**
 * File primitives for apply and rollback: read a file's state, write one
 * atomically (temporary file in the same directory, private from its first
 * byte, owner and mode set, flushed, then renamed over the target, so a
 * reader sees the old file or the new one, never half of one). Synchronous
 * on purpose: the exit hook that undoes an interrupted apply must use them.
 *
 * Root writes into directories the server's OS user owns, so every path
 * there is untrusted (ARCHITECTURE.md, threat model). Node has no openat():
 * the directory is opened component by component with O_NOFOLLOW and its
 * entries are named through /proc/self/fd/N/NAME, which the kernel resolves
 * from the open directory, not from the path; the last component is opened
 * with O_NOFOLLOW (and O_EXCL for temporary files). A symlink is refused
 * unless root made it (Debian's configuration links); see resolveLink.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { FileState } from './plan.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;

/** Whether a path is a directory (false when it does not exist). */
export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * Open a directory so that no later swap of a path component can redirect
 * what is done in it: the path is resolved once (realpath), then walked
 * from / with O_NOFOLLOW on every component.
 */
function openDir(dir: string): { fd: number; path: string; at: (name: string) => string; close: () => void } {
  const abs = resolve(dir);
  // A directory on the way that is a symlink counts only if root made it (Debian's layout): the
  // server's user could point conf.d, say, at any directory root can write.
  const me = process.getuid?.() ?? 0;
  const parts = abs.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = `/${parts.slice(0, i).join('/')}`;
    const st = lstatOrUndefined(prefix);
    if (st?.isSymbolicLink() && st.uid !== 0 && st.uid !== me) {
      throw new UsageError(`${prefix} is a symbolic link made by uid ${st.uid}, not by root: refusing to write into the directory it names. Nothing was changed`);
    }
  }
  const real = realpathSync(abs);
  let fd = openSync('/', O_RDONLY | O_DIRECTORY);
  for (const part of real.split('/').filter(Boolean)) {
    let next: number;
    try {
      next = openSync(`/proc/self/fd/${fd}/${part}`, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    } catch (err) {
      closeSync(fd);
      if (code(err) === 'ELOOP' || code(err) === 'ENOTDIR') throw new UsageError(`${real}: "${part}" changed into a symbolic link or a file while in use; nothing more was written`);
      throw err;
    }
    closeSync(fd);
    fd = next;
  }
  const held = fd;
  return { fd: held, path: real, at: (name) => `/proc/self/fd/${held}/${name}`, close: () => closeSync(held) };
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The path to act on for `path`: itself, or, when it is a symlink that
 * root made (the link's owner is root, or ourselves when not root: the
 * server's user cannot make one), its target once resolved. The target
 * must be a regular file owned by root or `owners`, writable by its owner
 * only. Any other symlink is refused: as root, following a link the
 * server's user placed would read or overwrite a file of its choosing.
 */
function resolveLink(path: string, owners: readonly number[]): string {
  const st = lstatOrUndefined(path);
  if (!st?.isSymbolicLink()) return path;
  const me = process.getuid?.() ?? 0;
  const target = (() => {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  })();
  if (st.uid !== 0 && st.uid !== me) {
    throw new UsageError(`${path} is a symbolic link${target ? ` to ${target}` : ''} made by uid ${st.uid}, not by root: refusing to read or write through it; replace it with the file itself. Nothing was changed`);
  }
  const t = target ? lstatOrUndefined(target) : undefined;
  if (!t || !t.isFile()) throw new UsageError(`${path} is a symbolic link to ${target ?? 'nothing'}, which is not a regular file: nothing was changed`);
  if (![0, me, ...owners].includes(t.uid) || (t.mode & 0o022) !== 0) {
    throw new UsageError(`${path} links to ${target}, which is owned by uid ${t.uid} with mode ${(t.mode & 0o7777).toString(8)}: a link target must be owned by root or the server's user and writable by its owner only. Nothing was changed`);
  }
  return target!;
}

/**
 * A file's bytes, mode and owner; undefined when it does not exist. A
 * symlink is followed only as resolveLink allows; anything but a regular
 * file with one link (a hard link could be another file of the system) is
 * refused. What is read is what fstat describes: the file opened, not a
 * path that could have changed in between.
 */
export function readState(path: string, owners: readonly number[] = []): FileState | undefined {
  const real = resolveLink(path, owners);
  let dir;
  try {
    dir = openDir(dirname(real));
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO put in the file's place must not hang the apply.
      fd = openSync(dir.at(basename(real)), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      if (code(err) === 'ENOENT') return undefined;
      if (code(err) === 'ELOOP') throw new UsageError(`${path} became a symbolic link while being read: nothing was changed`);
      throw err;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new UsageError(`${path} is not a regular file: nothing was changed`);
      if (st.nlink > 1 && process.getuid?.() === 0) throw new UsageError(`${path} has ${st.nlink} hard links: it could be another file of the system; replace it with a file of its own. Nothing was changed`);
      const bytes = Buffer.alloc(st.size);
      let off = 0;
      while (off < bytes.length) {
        const n = readSync(fd, bytes, off, bytes.length - off, off);
        if (n === 0) break;
        off += n;
      }
      return { bytes: bytes.subarray(0, off), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    } finally {
      closeSync(fd);
    }
  } finally {
    dir.close();
  }
}

/** SHA-256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fsyncFd(fd: number): void {
  try {
    fsyncSync(fd);
  } catch {
    /* some file systems refuse fsync on directories; the rename is still atomic */
  }
}

/**
 * Write `state` to `path` atomically. A root-made symlink (Debian's
 * configuration) is written through and stays; any other is refused.
 */
export function atomicWrite(path: string, state: FileState): void {
  if (!isAbsolute(path)) throw new Error(`internal: ${path} is not absolute`);
  const target = resolveLink(path, [state.uid]);
  const dir = openDir(dirname(target));
  try {
    const name = basename(target);
    const tmp = `.${name}.pg-secure-setup-${randomBytes(6).toString('hex')}`;
    const fd = openSync(dir.at(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
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
      // rename() replaces the entry itself: a symlink swapped in meanwhile is replaced, never followed.
      const now = lstatOrUndefined(dir.at(name));
      if (now?.isDirectory()) throw new UsageError(`${target} is a directory: nothing was written there`);
      renameSync(dir.at(tmp), dir.at(name));
    } catch (err) {
      try {
        unlinkSync(dir.at(tmp));
      } catch {
        /* already renamed or never created */
      }
      throw err;
    }
    fsyncFd(dir.fd);
  } finally {
    dir.close();
  }
}

/** Remove a file apply created (the entry itself: a symlink is removed, not followed). */
export function removeFile(path: string): void {
  let dir;
  try {
    dir = openDir(dirname(path));
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const st = lstatOrUndefined(dir.at(basename(path)));
    if (st?.isDirectory()) throw new UsageError(`${path} is a directory now: not removed`);
    try {
      unlinkSync(dir.at(basename(path)));
    } catch (err) {
      if (code(err) !== 'ENOENT') throw err;
    }
    fsyncFd(dir.fd);
  } finally {
    dir.close();
  }
}
