/**
 * Undo the last apply: put back the files its manifest lists (removing the
 * ones it created), reload, and mark the manifest rolled back so the next
 * rollback goes one apply further back. Refuses, unless forced, when a file
 * changed after the apply wrote it: those edits would be lost.
 */
import { UsageError } from '../errors.js';
import { checkWithServer, type CheckProblem } from './check.js';
import { dryRunReport, idNames, type DiffFile } from './diff.js';
import { readState } from './fs.js';
import { reloadAndVerify, type Log } from './run.js';
import { backupBytes, changedSinceApply, checkManifest, listBackups, restoreBackup, saveManifest, type Backup } from './backup.js';
import { openServer, type WhereOptions } from './locate-connect.js';
import { lockDataDir, openStateDir, stateDirFor } from './state-dir.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

export interface RollbackRequest {
  readonly where: WhereOptions;
  /** Backup directory name (its timestamp); default: the newest apply not yet rolled back. */
  readonly backup?: string;
  readonly force: boolean;
  readonly dryRun: boolean;
  /** Only list the backups. */
  readonly list: boolean;
  readonly log: Log;
}

/** Statuses rollback undoes. 'writing': an apply that was cut off (power loss, SIGKILL) before it could restore by itself. */
export const ROLLBACKABLE: readonly string[] = ['applied', 'writing'];

function pick(backups: Backup[], name: string | undefined, dataDir: string, stateDir: string): Backup {
  if (name) {
    const b = backups.find((x) => x.dir.endsWith(`/${name}`));
    if (!b) throw new UsageError(`no backup "${name}" for ${dataDir} in ${stateDir}; see pg-secure-setup rollback --list`);
    if (!ROLLBACKABLE.includes(b.manifest.status)) throw new UsageError(`backup ${name} is ${b.manifest.status}: there is nothing of it to roll back`);
    return b;
  }
  const b = backups.find((x) => ROLLBACKABLE.includes(x.manifest.status));
  if (!b) throw new UsageError(`no apply to roll back for ${dataDir} (backups are kept in ${stateDir})`);
  return b;
}

/** What restoring a backup would change, file by file. */
export function restoreDiff(b: Backup): DiffFile[] {
  return b.manifest.files.map((f) => {
    const before = readState(f.path, [f.after.uid]);
    const after = f.backup && f.before ? { bytes: backupBytes(b, f), mode: f.before.mode, uid: f.before.uid, gid: f.before.gid } : undefined;
    return { path: f.path, before, after, secret: f.role === 'server.key' || f.role === 'replication-postgresql.key' };
  });
}

/** Run a rollback: 0 done, 1 the server did not take the restored files. */
export async function rollback(req: RollbackRequest): Promise<0 | 1> {
  const access = await openServer(req.where, undefined);
  try {
    const { server } = access;
    // Only the state directory's manifests, never anything the server's user could have written.
    const stateDir = req.list || req.dryRun ? stateDirFor(server.dataDir) : openStateDir(server.dataDir);
    const backups = existsSync(stateDir) ? listBackups(stateDir) : [];
    if (req.list) {
      if (backups.length === 0) req.log(`No backups for ${server.dataDir} in ${stateDir}.`);
      for (const b of backups) req.log(`${b.dir.split('/').pop()}  ${b.manifest.status.padEnd(11)}  ${b.manifest.files.length} file(s)  from ${b.manifest.bundle}`);
      return 0;
    }
    const unlock = req.dryRun ? () => undefined : lockDataDir(stateDir, server.dataDir, 'rollback');
    try {
      return await rollbackWith(req, access, pick(backups, req.backup, server.dataDir, stateDir));
    } finally {
      unlock();
    }
  } finally {
    await access.close();
  }
}

async function rollbackWith(req: RollbackRequest, access: Awaited<ReturnType<typeof openServer>>, b: Backup): Promise<0 | 1> {
  const { server } = access;
  checkManifest(b, server);
  const edited = changedSinceApply(b);
  if (edited.length > 0 && !req.force) {
    throw new UsageError(`changed since the apply of ${b.dir.split('/').pop()}: ${edited.join(', ')}\nRolling back would discard those changes; pass --force to do it anyway. Nothing was changed.`);
  }
  if (req.dryRun) {
    const steps = server.running ? [{ argv: [join(server.bin, 'pg_ctl'), 'reload', '-D', server.dataDir], as: server.osUser.name }] : [];
    req.log(dryRunReport(restoreDiff(b), steps, idNames(server.osUser)).trimEnd());
    return 0;
  }
  restoreBackup(b);
  b.manifest.status = 'rolled-back';
  b.manifest.updatedAt = new Date().toISOString();
  saveManifest(b);
  req.log(`Restored ${b.manifest.files.length} file(s) as they were before the apply of ${b.manifest.createdAt}.`);
  if (!server.running) {
    req.log('The server is not running: the restored configuration takes effect when it starts.');
    return 0;
  }
  let problems: CheckProblem[] = [];
  if (access.sql) {
    const hbaText = readState(server.hbaFile, [server.osUser.uid]);
    problems = (await checkWithServer(access.sql, { hbaFile: server.hbaFile, hbaText: hbaText ? Buffer.from(hbaText.bytes).toString('utf8') : '', ownFiles: [], sslTurnsOn: false })).problems;
  }
  if (problems.length > 0) {
    req.log(`The restored files have problems the server reports; not reloading:\n${problems.map((p) => `  ${p.where}: ${p.message}`).join('\n')}`, true);
    return 1;
  }
  const plan = { files: [], settings: [], problems: [], warnings: [], findings: [] };
  const reload = await reloadAndVerify(access, plan, undefined, false, req.log);
  if (reload.length > 0) {
    req.log(reload.map((p) => `${p.where}: ${p.message}`).join('\n'), true);
    return 1;
  }
  return 0;
}
