/**
 * `rollback --replication-files DIR`: undo what `apply --replication-files
 * DIR` did to a directory of replication files (standby.ts), from the
 * backups in DIR's state directory. No server is located or reloaded: a
 * walreceiver reads the files only when it next connects (27.2.5).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, posix } from 'node:path';
import { UsageError } from '../errors.js';
import { changedSinceApply, listBackups, restoreBackup, saveManifest, type Backup } from './backup.js';
import { dryRunReport } from './diff.js';
import type { Log } from './exec.js';
import { ROLLBACKABLE, restoreDiff } from './rollback.js';
import { lockDataDir, openStateDir, stateDirFor } from './state-dir.js';

/** What `rollback --replication-files DIR` asks for. */
export interface ReplicationRollbackRequest {
  readonly dir: string;
  /** Backup directory name (its timestamp); default: the newest not yet rolled back. */
  readonly backup?: string;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly list: boolean;
  readonly log: Log;
}

const NO_RELOAD = 'No server was reloaded: a standby\'s walreceiver reads the replication files when it next connects.';

function dirInputProblem(dir: string): string | undefined {
  if (/[\0\n\r]/.test(dir)) return '--replication-files holds a control character';
  if (!isAbsolute(dir)) return `--replication-files "${dir}" is a relative path: name the absolute directory given to apply --replication-files`;
  if (posix.normalize(dir) !== dir || (dir.endsWith('/') && dir !== '/')) return `--replication-files "${dir}" is not a plain absolute path (no "..", "." or trailing "/")`;
  return undefined;
}

/**
 * A manifest from the state directory of DIR may name only the three
 * replication files directly in DIR: anything else would let a tampered
 * manifest steer root's writes elsewhere.
 */
export function checkReplicationManifest(b: Backup, dir: string): void {
  const m = b.manifest;
  const bad = (why: string) => new UsageError(`the manifest ${b.dir}/manifest.json ${why}: refusing to roll it back. Nothing was changed`);
  if (m.dataDir !== dir) throw bad(`is for ${m.dataDir}, not ${dir}`);
  for (const f of m.files) {
    const ok = typeof f.role === 'string' && f.role.startsWith('replication-') && typeof f.path === 'string' && isAbsolute(f.path) && posix.normalize(f.path) === f.path && dirname(f.path) === dir;
    if (!ok) throw bad(`names ${JSON.stringify(f.path)}, not a replication file in ${dir}`);
    if (f.backup !== undefined && !/^files\/\d+-[^/]+$/.test(f.backup)) throw bad(`names the backup copy ${JSON.stringify(f.backup)}`);
  }
}

function pick(backups: Backup[], name: string | undefined, dir: string, stateDir: string): Backup {
  if (name) {
    const b = backups.find((x) => x.dir.endsWith(`/${name}`));
    if (!b) throw new UsageError(`no backup "${name}" for ${dir} in ${stateDir}; see pg-secure-setup rollback --replication-files ${dir} --list. Nothing was changed`);
    if (!ROLLBACKABLE.includes(b.manifest.status)) throw new UsageError(`backup ${name} is ${b.manifest.status}: there is nothing of it to roll back. Nothing was changed`);
    return b;
  }
  const b = backups.find((x) => ROLLBACKABLE.includes(x.manifest.status));
  if (!b) {
    throw new UsageError(
      backups.length === 0
        ? `no backups for ${dir}: apply --replication-files ${dir} has not installed files there (backups would be in ${stateDir}). Nothing was changed`
        : `nothing left to roll back for ${dir}: every install there is rolled back or was restored (see --list). Nothing was changed`,
    );
  }
  return b;
}

/** Run it: 0 restored (or listed, or dry run); bad input throws UsageError (exit 2) with nothing changed. */
export async function rollbackReplicationFiles(req: ReplicationRollbackRequest): Promise<0> {
  const problem = dirInputProblem(req.dir);
  if (problem) throw new UsageError(problem);
  const dir = req.dir;
  const known = stateDirFor(dir);
  // Only an existing state directory is opened (and checked): a rollback that finds nothing creates nothing.
  const stateDir = existsSync(known) ? openStateDir(dir) : known;
  const unlock = req.list || req.dryRun || !existsSync(stateDir) ? () => undefined : lockDataDir(stateDir, dir, 'rollback');
  let b: Backup;
  try {
    const backups = existsSync(stateDir) ? listBackups(stateDir) : [];
    if (req.list) {
      if (backups.length === 0) req.log(`No backups for ${dir} in ${stateDir}.`);
      for (const x of backups) req.log(`${x.dir.split('/').pop()}  ${x.manifest.status.padEnd(11)}  ${x.manifest.files.length} file(s)  from ${x.manifest.bundle}`);
      return 0;
    }
    b = pick(backups, req.backup, dir, stateDir);
    checkReplicationManifest(b, dir);
    const edited = changedSinceApply(b);
    if (edited.length > 0 && !req.force) {
      throw new UsageError(`changed since the apply of ${b.dir.split('/').pop()}: ${edited.join(', ')}\nRolling back would discard those changes; pass --force to do it anyway. Nothing was changed.`);
    }
    if (req.dryRun) {
      req.log(dryRunReport(restoreDiff(b), []).replace('Commands:\n', `Commands: none. ${NO_RELOAD.replace('was', 'would be')}\n`).trimEnd());
      return 0;
    }
    restoreBackup(b);
    b.manifest.status = 'rolled-back';
    b.manifest.updatedAt = new Date().toISOString();
    saveManifest(b);
  } finally {
    unlock();
  }
  const removed = b.manifest.files.filter((f) => !f.backup).length;
  const restored = b.manifest.files.length - removed;
  req.log(`Rolled back the install of ${b.manifest.createdAt} in ${dir}: ${restored} file(s) restored, ${removed} removed${removed > 0 ? ' (the directory itself is left)' : ''}.`);
  req.log(NO_RELOAD);
  return 0;
}
