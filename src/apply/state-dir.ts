/**
 * Where apply keeps what only it may write: the backups, the manifests
 * rollback trusts, and the lock. Not in the data directory: its owner (the
 * server's OS user) could forge a manifest there and make root create or
 * delete any file, and pg_basebackup would copy the backups of old keys.
 *
 *   $PG_SECURE_SETUP_STATE_DIR, else /var/lib/pg-secure-setup (root),
 *   else $XDG_STATE_HOME/pg-secure-setup or ~/.local/state/pg-secure-setup
 *     <data dir as a name>-<hash>/lock
 *     <data dir as a name>-<hash>/backups/<timestamp>/{manifest.json,files/}
 *
 * Every directory is 0700, owned by the user running apply, and checked
 * before use: a directory anyone else could write would make it untrusted.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** The environment variable that moves the state directory (tests, non-root use). */
export const STATE_DIR_ENV = 'PG_SECURE_SETUP_STATE_DIR';

/** The root of every data directory's state, by the rules above. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env[STATE_DIR_ENV]) return resolve(env[STATE_DIR_ENV]);
  if (process.getuid?.() === 0) return '/var/lib/pg-secure-setup';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'pg-secure-setup');
}

/** The state directory of one data directory (a path; nothing is created). */
export function stateDirFor(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  let real = resolve(dataDir);
  try {
    real = realpathSync(real);
  } catch {
    /* a data directory that is gone still has its backups under its old name */
  }
  const name = real.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+/, '').slice(-60) || 'root';
  return join(stateRoot(env), `${name}-${createHash('sha256').update(real).digest('hex').slice(0, 12)}`);
}

/** Refuse a directory that is a symlink, not ours, or writable by others. */
export function checkPrivateDir(dir: string): void {
  const st = lstatSync(dir);
  const me = process.getuid?.() ?? 0;
  if (st.isSymbolicLink() || !st.isDirectory()) throw new UsageError(`${dir} must be a directory, not a symbolic link or a file: remove it and run again. Nothing was changed`);
  if (st.uid !== me) throw new UsageError(`${dir} is owned by uid ${st.uid}, not by uid ${me} who runs this: its backups cannot be trusted. Nothing was changed`);
  if ((st.mode & 0o022) !== 0) throw new UsageError(`${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 700 it. Nothing was changed`);
}

function mkdirPrivate(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  checkPrivateDir(dir);
}

/** Create (0700) or check the state directory of a data directory, and its root. */
export function openStateDir(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = stateRoot(env);
  mkdirSync(resolve(root, '..'), { recursive: true, mode: 0o755 });
  mkdirPrivate(root);
  const dir = stateDirFor(dataDir, env);
  mkdirPrivate(dir);
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the lock of a data directory: one apply or rollback at a time. A
 * second one is refused at once (exit 2) naming the first one's pid, rather
 * than waiting: an apply can wait minutes for a restart, and the operator
 * should know. A lock whose process is gone (power loss, SIGKILL) is taken
 * over. Returns the release; an exit (Ctrl+C, SIGHUP, SIGTERM) releases too.
 */
export function lockDataDir(stateDir: string, dataDir: string, what: string): () => void {
  const path = join(stateDir, 'lock');
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const [pidText, other] = readFileSync(path, 'utf8').split('\n');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new UsageError(`another pg-secure-setup ${other || 'run'} (pid ${pid}) is working on ${dataDir}: wait for it to finish and run again. If no such process exists, remove ${path}. Nothing was changed`);
      }
      unlinkSync(path);
      continue;
    }
    writeSync(fd, `${process.pid}\n${what}\n`);
    closeSync(fd);
    break;
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (readFileSync(path, 'utf8').startsWith(`${process.pid}\n`)) unlinkSync(path);
    } catch {
      /* gone already */
    }
  };
  process.on('exit', release);
  return release;
}
