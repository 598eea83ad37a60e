/** Backups, manifests, restore and atomic writes, on a temporary directory (no server). */
import test from 'ava';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite, readState } from '../../src/bundle/apply-fs.js';
import type { PlannedFile } from '../../src/bundle/apply-plan.js';
import { changedSinceApply, createBackup, listBackups, restoreBackup, stampOf } from '../../src/bundle/backup.js';

const me = { name: 'me', uid: process.getuid!(), gid: process.getgid!() };

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgss-backup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function planned(path: string, after: string, mode = 0o644): PlannedFile {
  const before = readState(path);
  return { role: 'hba', path, before, after: { bytes: Buffer.from(after), mode, uid: me.uid, gid: me.gid }, secret: false, changes: before ? ['content'] : ['create'] };
}

const ctx = (dataDir: string, now = new Date('2025-01-31T23:59:59.123Z')) => {
  const stateDir = `${dataDir}/state`;
  if (!existsSync(stateDir)) mkdirSync(stateDir, { mode: 0o700 });
  return { stateDir, dataDir, configFile: `${dataDir}/postgresql.conf`, hbaFile: `${dataDir}/pg_hba.conf`, bundle: '/b', now, tool: 'test' };
};

test('a backup copies what will change, records it, and restore puts it back (created files removed)', (t) => {
  const data = tempDir(t);
  const hba = join(data, 'pg_hba.conf');
  writeFileSync(hba, 'old rules\n', { mode: 0o640 });
  const files = [planned(hba, 'new rules\n', 0o600), planned(join(data, 'server.crt'), 'CERT\n')];
  const b = createBackup(files, ctx(data));
  t.is(b.dir, join(data, 'state', 'backups', '20250131T235959.123Z'));
  t.is(statSync(b.dir).mode & 0o777, 0o700);
  t.is(b.manifest.status, 'writing');
  t.like(b.manifest.files[0], { path: hba, backup: 'files/1-pg_hba.conf', before: { mode: 0o640 }, after: { mode: 0o600 } });
  t.is(b.manifest.files[1]!.backup, undefined);
  t.is(readFileSync(join(b.dir, 'files/1-pg_hba.conf'), 'utf8'), 'old rules\n');
  t.is(statSync(join(b.dir, 'files/1-pg_hba.conf')).mode & 0o777, 0o600, 'backups are private, whatever the original mode');
  t.deepEqual(JSON.parse(readFileSync(join(b.dir, 'manifest.json'), 'utf8')), JSON.parse(JSON.stringify(b.manifest)));

  for (const f of files) atomicWrite(f.path, f.after);
  t.deepEqual(changedSinceApply(b), []);
  restoreBackup(b);
  t.is(readFileSync(hba, 'utf8'), 'old rules\n');
  t.is(statSync(hba).mode & 0o777, 0o640);
  t.false(existsSync(join(data, 'server.crt')));
});

test('changedSinceApply names files edited after the apply', (t) => {
  const data = tempDir(t);
  const f = planned(join(data, 'pg_hba.conf'), 'new\n');
  const b = createBackup([f], ctx(data));
  atomicWrite(f.path, f.after);
  writeFileSync(f.path, 'edited by hand\n');
  t.deepEqual(changedSinceApply(b), [f.path]);
});

test('backups list newest first; the same instant gets a suffix', (t) => {
  const data = tempDir(t);
  const f = () => [planned(join(data, 'x.conf'), 'x\n')];
  createBackup(f(), ctx(data, new Date('2025-01-01T00:00:00Z')));
  createBackup(f(), ctx(data, new Date('2025-02-01T00:00:00Z')));
  createBackup(f(), ctx(data, new Date('2025-02-01T00:00:00Z')));
  t.deepEqual(listBackups(join(data, 'state')).map((b) => b.dir.split('/').pop()), ['20250201T000000.000Z-1', '20250201T000000.000Z', '20250101T000000.000Z']);
  t.is(stampOf(new Date('2025-03-04T05:06:07.089Z')), '20250304T050607.089Z');
});

test('atomicWrite: final mode from the start, no temporary file left, a symlink is written through', (t) => {
  const dir = tempDir(t);
  const real = join(dir, 'real.conf');
  const link = join(dir, 'pg_hba.conf');
  writeFileSync(real, 'old\n');
  symlinkSync(real, link);
  atomicWrite(link, { bytes: Buffer.from('new\n'), mode: 0o600, uid: me.uid, gid: me.gid });
  t.true(lstatSync(link).isSymbolicLink());
  t.is(readlinkSync(link), real);
  t.is(readFileSync(real, 'utf8'), 'new\n');
  t.is(statSync(real).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(dir).sort(), ['pg_hba.conf', 'real.conf']);
});

test('readState: absent is undefined, a directory is refused', (t) => {
  const dir = tempDir(t);
  t.is(readState(join(dir, 'nope')), undefined);
  t.throws(() => readState(dir), { message: /not a regular file/ });
});
