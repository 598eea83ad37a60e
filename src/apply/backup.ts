/**
 * Backups of what an apply changes, and the manifest rollback reads.
 *
 *   <data_dir>/pg-secure-setup.backups/<timestamp>/manifest.json
 *   <data_dir>/pg-secure-setup.backups/<timestamp>/files/<n>-<name>
 *
 * The data directory is the one place every layout has, owned by the
 * server's user and private (0700); the backups of keys stay as private as
 * the keys. The manifest is written before the first file is touched, so
 * an interrupted apply can always be undone.
 */
import { chownSync, mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWrite, readState, removeFile, sha256 } from './fs.js';
import type { FileRole, OsUser, PlannedFile } from './plan.js';

/** Directory under the data directory that holds every apply's backups. */
export const BACKUP_DIR = 'pg-secure-setup.backups';

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

function mkdirOwned(path: string, owner: OsUser): void {
  mkdirSync(path, { mode: 0o700 });
  if (process.getuid?.() === 0) chownSync(path, owner.uid, owner.gid);
}

/** Save the manifest atomically. */
export function saveManifest(b: Backup, owner: OsUser): void {
  const bytes = Buffer.from(JSON.stringify(b.manifest, null, 2) + '\n');
  atomicWrite(join(b.dir, 'manifest.json'), { bytes, mode: 0o600, uid: owner.uid, gid: owner.gid });
}

/**
 * Copy every file about to change into a new backup directory and write its
 * manifest (status 'writing'). Nothing on the server changes here.
 */
export function createBackup(
  files: readonly PlannedFile[],
  ctx: { dataDir: string; configFile: string; hbaFile: string; bundle: string; owner: OsUser; now: Date; tool: string },
): Backup {
  const root = join(ctx.dataDir, BACKUP_DIR);
  if (!existsSync(root)) mkdirOwned(root, ctx.owner);
  let stamp = stampOf(ctx.now);
  for (let i = 1; existsSync(join(root, stamp)); i++) stamp = `${stampOf(ctx.now)}-${i}`;
  const dir = join(root, stamp);
  mkdirOwned(dir, ctx.owner);
  mkdirOwned(join(dir, 'files'), ctx.owner);
  const entries: ManifestFile[] = files.map((f, i) => {
    const after = stateOf(f.after);
    if (!f.before) return { role: f.role, path: f.path, after };
    const backup = `files/${i + 1}-${f.path.split('/').pop()}`;
    atomicWrite(join(dir, backup), { bytes: f.before.bytes, mode: 0o600, uid: ctx.owner.uid, gid: ctx.owner.gid });
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
  saveManifest(b, ctx.owner);
  return b;
}

/**
 * Record what a file holds now that the apply changed it, when that can
 * differ from the plan: postgresql.auto.conf is written by the server
 * (ALTER SYSTEM), so rollback compares against the server's bytes.
 */
export function recordAfter(b: Backup, path: string, owner: OsUser): void {
  const i = b.manifest.files.findIndex((f) => f.path === path);
  const now = readState(path);
  if (i < 0 || !now) return;
  const after = stateOf(now);
  const entry = b.manifest.files[i]!;
  if (JSON.stringify(after) === JSON.stringify(entry.after)) return;
  b.manifest.files[i] = { ...entry, after };
  saveManifest(b, owner);
}

/** Put every file of a backup back as it was (created files are removed), last written first. */
export function restoreBackup(b: Backup): void {
  for (const f of [...b.manifest.files].reverse()) {
    if (!f.backup || !f.before) {
      removeFile(f.path);
      continue;
    }
    const bytes = readFileSync(join(b.dir, f.backup));
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
      const now = readState(f.path);
      const sum = now ? sha256(now.bytes) : undefined;
      return sum !== f.after.sha256 && sum !== f.before?.sha256;
    })
    .map((f) => f.path);
}

/** Every backup of a data directory, newest first. Unreadable manifests are skipped. */
export function listBackups(dataDir: string): Backup[] {
  const root = join(dataDir, BACKUP_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .reverse()
    .flatMap((name) => {
      try {
        const manifest = JSON.parse(readFileSync(join(root, name, 'manifest.json'), 'utf8')) as Manifest;
        return manifest.format === 1 ? [{ dir: join(root, name), manifest }] : [];
      } catch {
        return [];
      }
    });
}
