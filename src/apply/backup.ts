/**
 * Backups of what an apply changes, and the manifest rollback reads.
 *
 *   <state dir>/backups/<timestamp>/manifest.json
 *   <state dir>/backups/<timestamp>/files/<n>-<name>
 *
 * The state directory (state-dir.ts) is writable only by the user running
 * apply (root on a server), never by the server's OS user: a manifest is
 * a list of paths root will write or delete. Backups are 0600 whatever the
 * original's mode, so never more readable than their source. The manifest
 * is written before the first file is touched, so an interrupted apply can
 * always be undone.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { UsageError } from '../errors.js';
import { atomicWrite, readState, removeFile, sha256 } from './fs.js';
import type { FileRole, OsUser, PlannedFile } from './plan.js';
import { checkPrivateDir } from './state-dir.js';

/** Directory under the state directory that holds every apply's backups. */
export const BACKUP_DIR = 'backups';

/** Mode, owner and checksum of one version of a file. */
export interface ManifestState {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly sha256: string;
}

export interface ManifestFile {
  readonly role: FileRole;
  readonly path: string;
  /** The copy of the old file, relative to the backup directory; absent when apply created the file. */
  readonly backup?: string;
  readonly before?: ManifestState;
  readonly after: ManifestState;
}

/** 'writing' until every file is written; then what became of the apply. */
export type ManifestStatus = 'writing' | 'applied' | 'restored' | 'rolled-back';

export interface Manifest {
  readonly format: 1;
  readonly tool: string;
  readonly createdAt: string;
  readonly bundle: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly hbaFile: string;
  status: ManifestStatus;
  /** Set when the status changed after the apply, e.g. by rollback. */
  updatedAt?: string;
  readonly files: ManifestFile[];
}

/** One apply's backup directory and its manifest. */
export interface Backup {
  readonly dir: string;
  readonly manifest: Manifest;
}

/** A timestamp usable as a directory name that sorts by time: 20250131T235959.123Z. */
export function stampOf(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '');
}

function stateOf(s: { bytes: Uint8Array; mode: number; uid: number; gid: number }): ManifestState {
  return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, sha256: sha256(s.bytes) };
}

const me = () => ({ uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });

function mkdirPrivate(path: string): void {
  mkdirSync(path, { mode: 0o700 });
  checkPrivateDir(path);
}

/** Save the manifest atomically, private to the user running apply. */
export function saveManifest(b: Backup): void {
  const bytes = Buffer.from(JSON.stringify(b.manifest, null, 2) + '\n');
  atomicWrite(join(b.dir, 'manifest.json'), { bytes, mode: 0o600, ...me() });
}

/**
 * Copy every file about to change into a new backup directory and write its
 * manifest (status 'writing'). Nothing on the server changes here.
 */
export function createBackup(
  files: readonly PlannedFile[],
  ctx: { stateDir: string; dataDir: string; configFile: string; hbaFile: string; bundle: string; now: Date; tool: string },
): Backup {
  checkPrivateDir(ctx.stateDir);
  const root = join(ctx.stateDir, BACKUP_DIR);
  if (!existsSync(root)) mkdirPrivate(root);
  checkPrivateDir(root);
  let stamp = stampOf(ctx.now);
  for (let i = 1; existsSync(join(root, stamp)); i++) stamp = `${stampOf(ctx.now)}-${i}`;
  const dir = join(root, stamp);
  mkdirPrivate(dir);
  mkdirPrivate(join(dir, 'files'));
  const entries: ManifestFile[] = files.map((f, i) => {
    const after = stateOf(f.after);
    if (!f.before) return { role: f.role, path: f.path, after };
    const backup = `files/${i + 1}-${f.path.split('/').pop()}`;
    atomicWrite(join(dir, backup), { bytes: f.before.bytes, mode: 0o600, ...me() });
    return { role: f.role, path: f.path, backup, before: stateOf(f.before), after };
  });
  const manifest: Manifest = {
    format: 1,
    tool: ctx.tool,
    createdAt: ctx.now.toISOString(),
    bundle: ctx.bundle,
    dataDir: ctx.dataDir,
    configFile: ctx.configFile,
    hbaFile: ctx.hbaFile,
    status: 'writing',
    files: entries,
  };
  const b = { dir, manifest };
  saveManifest(b);
  return b;
}

/**
 * Record what a file holds now that the apply changed it, when that can
 * differ from the plan: postgresql.auto.conf is written by the server
 * (ALTER SYSTEM), so rollback compares against the server's bytes.
 */
export function recordAfter(b: Backup, path: string, owner: OsUser): void {
  const i = b.manifest.files.findIndex((f) => f.path === path);
  const now = readState(path, [owner.uid]);
  if (i < 0 || !now) return;
  const after = stateOf(now);
  const entry = b.manifest.files[i]!;
  if (JSON.stringify(after) === JSON.stringify(entry.after)) return;
  b.manifest.files[i] = { ...entry, after };
  saveManifest(b);
}

/** Put every file of a backup back as it was (created files are removed), last written first. */
export function restoreBackup(b: Backup): void {
  for (const f of [...b.manifest.files].reverse()) {
    if (!f.backup || !f.before) {
      removeFile(f.path);
      continue;
    }
    const bytes = backupBytes(b, f);
    if (sha256(bytes) !== f.before.sha256) throw new Error(`backup ${join(b.dir, f.backup)} does not match its checksum: restore ${f.path} by hand`);
    atomicWrite(f.path, { bytes, mode: f.before.mode, uid: f.before.uid, gid: f.before.gid });
  }
}

/**
 * Files changed since the apply wrote them: neither what it wrote nor what
 * was there before (a file still as before, e.g. not yet written by an
 * interrupted apply, loses nothing by being restored).
 */
export function changedSinceApply(b: Backup): string[] {
  return b.manifest.files
    .filter((f) => {
      const now = readState(f.path, [f.after.uid]);
      const sum = now ? sha256(now.bytes) : undefined;
      return sum !== f.after.sha256 && sum !== f.before?.sha256;
    })
    .map((f) => f.path);
}

/** The saved copy of a file's old version (read without following links). */
export function backupBytes(b: Backup, f: ManifestFile): Uint8Array {
  const s = f.backup ? readState(join(b.dir, f.backup)) : undefined;
  if (!s) throw new Error(`backup ${join(b.dir, f.backup ?? '?')} is missing: restore ${f.path} by hand`);
  return s.bytes;
}

const within = (path: string, dir: string) => path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/**
 * Refuse a manifest that names what its apply cannot have written: another
 * data directory, a path outside the data and configuration directories,
 * a backup copy outside its backup directory. The state directory is
 * root's alone; this is the second lock on the door.
 */
export function checkManifest(b: Backup, server: { dataDir: string; configFile: string; hbaFile: string }): void {
  const m = b.manifest;
  const bad = (why: string) => new UsageError(`the manifest ${join(b.dir, 'manifest.json')} ${why}: refusing to roll it back. Nothing was changed`);
  if (m.dataDir !== server.dataDir) throw bad(`is for ${m.dataDir}, not ${server.dataDir}`);
  const dirs = [server.dataDir, posix.dirname(server.configFile), posix.dirname(server.hbaFile)];
  for (const f of m.files) {
    // A standby's replication files live where its primary_conninfo names them, outside those directories.
    const anywhere = typeof f.role === 'string' && f.role.startsWith('replication-');
    if (typeof f.path !== 'string' || !isAbsolute(f.path) || posix.normalize(f.path) !== f.path || !(anywhere || dirs.some((d) => within(f.path, d)))) {
      throw bad(`names ${JSON.stringify(f.path)}, outside ${[...new Set(dirs)].join(' and ')}`);
    }
    if (f.backup !== undefined && !/^files\/\d+-[^/]+$/.test(f.backup)) throw bad(`names the backup copy ${JSON.stringify(f.backup)}`);
  }
}

/** Every backup of a data directory (by its state directory), newest first. Unreadable manifests are skipped. */
export function listBackups(stateDir: string): Backup[] {
  const root = join(stateDir, BACKUP_DIR);
  if (!existsSync(root)) return [];
  checkPrivateDir(root);
  return readdirSync(root)
    .sort()
    .reverse()
    .flatMap((name) => {
      try {
        const state = readState(join(root, name, 'manifest.json'));
        if (!state) return [];
        const manifest = JSON.parse(Buffer.from(state.bytes).toString('utf8')) as Manifest;
        return manifest.format === 1 ? [{ dir: join(root, name), manifest }] : [];
      } catch {
        return [];
      }
    });
}
