/**
 * apply on a standby, and before one exists: the bundle's replication
 * files installed where the standby's primary_conninfo names them (so a
 * renewed or re-issued certificate reaches its replication connection), or,
 * before pg_basebackup has made the data directory, into a directory given
 * on the command line (--replication-files DIR).
 */
import { closeSync, existsSync, fchownSync, mkdirSync, openSync, constants } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readConfChain } from '../audit/gather-files.js';
import { UsageError } from '../errors.js';
import { TOOL_VERSION } from '../package-info.js';
import { createBackup, restoreBackup, saveManifest } from './backup.js';
import { dryRunReport, idNames } from './diff.js';
import { exec, type Log, type Step } from './exec.js';
import { atomicWrite, readState } from './fs.js';
import type { PlannedFile, ServerLayout } from './plan.js';
import { conninfoFix, dirProblem, pathProblem, planReplicationFiles, readReplicationBundle, REPLICATION_FILES, replicationPaths, type ReplicationPaths } from './replication.js';
import { lockDataDir, openStateDir } from './state-dir.js';

/** standby.signal makes a server a standby (19.6.3, 27.2.2). */
export const STANDBY_SIGNAL = 'standby.signal';

/**
 * The replication files to install on a standby (standby.signal in its data
 * directory, a replication role in the bundle); [] otherwise. A
 * primary_conninfo apply cannot use is a warning, not a refusal: apply never
 * edits primary_conninfo, so the standby streams on as it did, and the rest
 * of the bundle is still installed; only the replication files are left out.
 */
export async function standbyFiles(bundleDir: string, server: ServerLayout, log: Log): Promise<PlannedFile[]> {
  if (!existsSync(join(server.dataDir, STANDBY_SIGNAL))) return [];
  const bundle = await readReplicationBundle(bundleDir);
  if (!bundle) return [];
  const chain = await readConfChain(server.configFile, server.dataDir);
  const conninfo = chain.settings.get('primary_conninfo');
  const found = replicationPaths(conninfo?.value, bundle.role, bundleDir);
  const skip = (problems: readonly string[]) => {
    log(`Warning: ${server.dataDir} is a standby (${STANDBY_SIGNAL}), but the replication files of ${bundle.role} are not installed${conninfo ? ` (primary_conninfo from ${conninfo.source})` : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${conninfoFix(bundle.role, bundle.gssencDisable)}`, true);
    return [];
  };
  if ('problems' in found) return skip(found.problems);
  const dirs = [...new Set(Object.values(found.paths).map((p) => dirname(p)))];
  const bad = dirs.map((d) => dirProblem(d, server.osUser)).filter((p): p is string => p !== undefined);
  if (bad.length > 0) return skip(bad);
  let files: PlannedFile[];
  try {
    files = planReplicationFiles(bundle, found.paths, server.osUser, (p) => readState(p, [server.osUser.uid]));
  } catch (err) {
    if (err instanceof UsageError) return skip([err.message]);
    throw err;
  }
  if (files.some((f) => f.changes.length > 0)) {
    log(`Standby: primary_conninfo names the replication files of ${bundle.role}: ${REPLICATION_FILES.map((f) => found.paths[f.name]).join(', ')}; the walreceiver reads new ones when it next connects.`);
  }
  return files;
}

/** What `apply BUNDLE --replication-files DIR` asks for. */
export interface ReplicationFilesRequest {
  readonly bundleDir: string;
  readonly dir: string;
  /** The OS user who runs the standby (default postgres). */
  readonly owner: string;
  /** --server NAME: checked against the bundle's servers, for a clear message. */
  readonly server?: string;
  readonly dryRun: boolean;
  readonly log: Log;
  readonly now?: Date;
}

async function osUser(name: string): Promise<{ name: string; uid: number; gid: number; group?: string }> {
  const [u, g] = await Promise.all([exec('id', ['-u', name]), exec('id', ['-g', name])]);
  if (u.code !== 0 || g.code !== 0 || !/^\d+$/.test(u.stdout.trim()) || !/^\d+$/.test(g.stdout.trim())) throw new UsageError(`--owner ${name}: no such user on this machine`);
  const group = (await exec('id', ['-gn', name])).stdout.trim();
  return { name, uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()), ...(group ? { group } : {}) };
}

async function checkServerName(bundleDir: string, name: string | undefined): Promise<void> {
  if (name === undefined) return;
  const names = await readdir(join(bundleDir, 'servers'), { withFileTypes: true }).then(
    (es) => es.filter((e) => e.isDirectory()).map((e) => e.name).sort(),
    () => [] as string[],
  );
  if (!names.includes(name)) throw new UsageError(`--server ${name}: ${names.length ? `the bundle's servers are ${names.join(', ')}` : 'the bundle describes one server; leave --server out'}`);
}

// Created 0700 by root, then handed over through the open directory: a name swapped for a link meanwhile is not followed.
function makeDir(dir: string, owner: { uid: number; gid: number }): void {
  mkdirSync(dir, { mode: 0o700 });
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}

/**
 * Install only the replication files into DIR for the standby's OS user,
 * before pg_basebackup (whose -R then names them in primary_conninfo).
 * Bad input exits 2 with nothing written; files that differ are backed up
 * first, in the state directory of DIR.
 */
export async function installReplicationFiles(req: ReplicationFilesRequest): Promise<0 | 1> {
  const bundleDir = resolve(req.bundleDir);
  const bad = pathProblem('--replication-files', req.dir, bundleDir);
  if (bad) throw new UsageError(bad);
  await checkServerName(bundleDir, req.server);
  const bundle = await readReplicationBundle(bundleDir);
  if (!bundle) throw new UsageError(`${req.bundleDir} has no replication role: make the bundle with generate --replication-user ROLE`);
  const owner = await osUser(req.owner);
  const names = idNames(owner);
  const dir = req.dir;
  const exists = existsSync(dir);
  if (!exists && !existsSync(dirname(dir))) throw new UsageError(`${dirname(dir)} does not exist: create it first (the files go into ${dir}). Nothing was changed`);
  const problem = exists ? dirProblem(dir, owner) : undefined;
  if (problem) throw new UsageError(`${problem}. Nothing was changed`);
  const paths = Object.fromEntries(REPLICATION_FILES.map((f) => [f.name, join(dir, f.name)])) as unknown as ReplicationPaths;
  const files = planReplicationFiles(bundle, paths, owner, (p) => (exists ? readState(p, [owner.uid]) : undefined));
  const changed = files.filter((f) => f.changes.length > 0);
  if (changed.length === 0) {
    req.log(`Nothing to change: ${dir} already holds the replication files of ${bundle.role}.`);
    return 0;
  }
  if (req.dryRun) {
    const steps: Step[] = [
      ...(exists ? [] : [{ argv: ['install', '-d', '-m', '0700', '-o', owner.name, '-g', owner.group ?? String(owner.gid), dir] }]),
      ...changed.map((f) => ({ argv: ['install', '-m', f.after.mode.toString(8).padStart(4, '0'), '-o', owner.name, '-g', owner.group ?? String(owner.gid), f.source!, f.path] })),
    ];
    req.log(dryRunReport(changed, steps, names).trimEnd());
    return 0;
  }
  if (!exists) {
    makeDir(dir, owner);
    req.log(`  created ${dir} (0700, ${owner.name})`);
  }
  const replacing = changed.filter((f) => f.before);
  // Recorded even when nothing is replaced: rollback --replication-files can then remove the files a first install created.
  const stateDir = openStateDir(dir);
  const unlock = lockDataDir(stateDir, dir, 'apply');
  let backup: ReturnType<typeof createBackup> | undefined;
  try {
    backup = createBackup(changed, { stateDir, dataDir: dir, configFile: join(dir, 'postgresql.conf'), hbaFile: join(dir, 'pg_hba.conf'), bundle: bundleDir, now: req.now ?? new Date(), tool: TOOL_VERSION });
  } catch (err) {
    unlock();
    throw err;
  }
  req.log(replacing.length > 0 ? `Backed up ${replacing.length} file(s) to ${backup.dir}` : `Recorded the new files in ${backup.dir} (rollback --replication-files ${dir} removes them)`);
  try {
    for (const f of changed) {
      atomicWrite(f.path, f.after);
      req.log(`  wrote ${f.path} (${f.changes.join(', ')})`);
    }
    backup.manifest.status = 'applied';
  } catch (err) {
    restoreBackup(backup);
    backup.manifest.status = 'restored';
    throw err;
  } finally {
    saveManifest(backup);
    unlock();
  }
  req.log(`Installed the replication files of ${bundle.role} in ${dir} for ${owner.name}; pg_basebackup -R names them in primary_conninfo. Undo: pg-secure-setup rollback --replication-files ${dir}`);
  return 0;
}
