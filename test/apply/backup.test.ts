/** Backups, manifests, restore, atomic writes and the state directory, on a temporary directory (no server; run as root). */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lchownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite, readState } from '../../src/apply/fs.js';
import type { PlannedFile } from '../../src/apply/plan.js';
import { changedSinceApply, checkManifest, createBackup, listBackups, restoreBackup, stampOf } from '../../src/apply/backup.js';
import { checkPrivateDir, lockDataDir, openStateDir } from '../../src/apply/state-dir.js';
import { UsageError } from '../../src/errors.js';
import { runsAs } from '../../src/apply/run.js';

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

const postgresUid = Number(execFileSync('id', ['-u', 'postgres']).toString());

test('readState and atomicWrite refuse a symlink the server\'s user made, a FIFO and a hard-linked file', (t) => {
  const dir = tempDir(t);
  const secret = join(dir, 'secret');
  writeFileSync(secret, 'root only\n', { mode: 0o600 });
  const link = join(dir, 'server.crt');
  symlinkSync(secret, link);
  lchownSync(link, postgresUid, postgresUid);
  t.throws(() => readState(link), { instanceOf: UsageError, message: /server\.crt is a symbolic link to \S+secret made by uid \d+, not by root: refusing/ });
  t.throws(() => atomicWrite(link, { bytes: Buffer.from('new\n'), mode: 0o644, uid: postgresUid, gid: postgresUid }), { instanceOf: UsageError });
  t.is(readFileSync(secret, 'utf8'), 'root only\n');
  t.true(lstatSync(link).isSymbolicLink(), 'the link itself is left for the operator to see');

  const fifo = join(dir, 'pg_hba.conf');
  execFileSync('mkfifo', [fifo]);
  t.throws(() => readState(fifo), { instanceOf: UsageError, message: /not a regular file/ }, 'refused at once, not hanging on the FIFO');

  const hard = join(dir, 'root.crt');
  linkSync(secret, hard);
  t.throws(() => readState(hard), { instanceOf: UsageError, message: /2 hard links/ });
});

test('a root-made symlink to a file only its owner can write is written through; one to a group-writable file is refused', (t) => {
  const dir = tempDir(t);
  const real = join(dir, 'real.conf');
  writeFileSync(real, 'old\n', { mode: 0o664 });
  chmodSync(real, 0o664);
  const link = join(dir, 'pg_hba.conf');
  symlinkSync(real, link);
  t.throws(() => readState(link), { instanceOf: UsageError, message: /writable by its owner only/ });
  chmodSync(real, 0o640);
  t.is(Buffer.from(readState(link)!.bytes).toString(), 'old\n');
});

test('rollback trusts a manifest only for the data and configuration directories it names', (t) => {
  const data = tempDir(t);
  const f = planned(join(data, 'pg_hba.conf'), 'new\n');
  const b = createBackup([f], ctx(data));
  const server = { dataDir: data, configFile: join(data, 'postgresql.conf'), hbaFile: join(data, 'pg_hba.conf') };
  t.notThrows(() => checkManifest(b, server));
  t.throws(() => checkManifest(b, { ...server, dataDir: '/elsewhere' }), { instanceOf: UsageError, message: /is for \S+, not \/elsewhere/ });
  for (const path of ['/etc/shadow', `${data}/../x`, 'relative']) {
    const forged = { ...b, manifest: { ...b.manifest, files: [{ ...b.manifest.files[0]!, path }] } };
    t.throws(() => checkManifest(forged, server), { instanceOf: UsageError, message: /outside/ }, path);
  }
  const badCopy = { ...b, manifest: { ...b.manifest, files: [{ ...b.manifest.files[0]!, backup: '../../etc/shadow' }] } };
  t.throws(() => checkManifest(badCopy, server), { message: /backup copy/ });
});

test('the state directory: created 0700; refused when group-writable, a symlink, or another user\'s; one lock holder at a time', (t) => {
  const root = tempDir(t);
  const env = { PG_SECURE_SETUP_STATE_DIR: join(root, 'state') };
  const dir = openStateDir('/var/lib/postgresql/15/main', env);
  t.regex(dir, /\/state\/var-lib-postgresql-15-main-[0-9a-f]{12}$/);
  t.is(statSync(join(root, 'state')).mode & 0o777, 0o700);
  t.is(statSync(dir).mode & 0o777, 0o700);
  const release = lockDataDir(dir, '/data', 'apply');
  t.throws(() => lockDataDir(dir, '/data', 'rollback'), { instanceOf: UsageError, message: new RegExp(`another pg-secure-setup apply \\(pid ${process.pid}\\) is working on /data`) });
  release();
  t.false(existsSync(join(dir, 'lock')));
  lockDataDir(dir, '/data', 'rollback')();

  chmodSync(dir, 0o770);
  t.throws(() => openStateDir('/var/lib/postgresql/15/main', env), { instanceOf: UsageError, message: /writable by others/ });
  chmodSync(dir, 0o700);
  chownSync(dir, postgresUid, postgresUid);
  t.throws(() => checkPrivateDir(dir), { instanceOf: UsageError, message: /owned by uid \d+, not by uid 0/ });
  const aside = join(root, 'aside');
  mkdirSync(aside, { mode: 0o700 });
  symlinkSync(aside, join(root, 'linked'));
  t.throws(() => openStateDir('/x', { PG_SECURE_SETUP_STATE_DIR: join(root, 'linked') }), { instanceOf: UsageError, message: /not a symbolic link/ });
});

test('runsAs: the exit hook signals a pid from postmaster.pid only when it is the server user\'s process', (t) => {
  t.true(runsAs(process.pid, process.getuid!()));
  t.false(runsAs(process.pid, postgresUid), 'a pid of root\'s named in postmaster.pid is not signalled');
  t.false(runsAs(2 ** 22 + 1, postgresUid), 'no such process');
});

test('a directory on the way that the server\'s user turned into a symlink (conf.d) is refused: nothing lands where it points', (t) => {
  const dir = tempDir(t);
  const elsewhere = join(dir, 'etc-cron.d');
  mkdirSync(elsewhere, { mode: 0o755 });
  const confD = join(dir, 'conf.d');
  symlinkSync(elsewhere, confD);
  lchownSync(confD, postgresUid, postgresUid);
  t.throws(() => atomicWrite(join(confD, 'pg-secure-setup.conf'), { bytes: Buffer.from('ssl = on\n'), mode: 0o644, uid: postgresUid, gid: postgresUid }), {
    instanceOf: UsageError,
    message: /conf\.d is a symbolic link made by uid \d+, not by root: refusing to write into/,
  });
  t.deepEqual(readdirSync(elsewhere), []);
  t.throws(() => readState(join(confD, 'x')), { instanceOf: UsageError });
});
