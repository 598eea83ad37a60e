/** Where a standby's primary_conninfo puts the replication files, and which paths and directories apply refuses (no server; run as root). */
import test from 'ava';
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conninfoFix, dirProblem, pathProblem, planReplicationFiles, readReplicationBundle, replicationPaths, type ReplicationBundle } from '../../src/apply/replication.js';
import { checkManifest, type Backup } from '../../src/apply/backup.js';
import { UsageError } from '../../src/errors.js';

const BUNDLE = '/srv/bundle';
const DIR = '/var/lib/postgresql/replication';
const FILES = `sslrootcert=${DIR}/root.crt sslcert=${DIR}/postgresql.crt sslkey=${DIR}/postgresql.key`;

// What pg_basebackup -R of PostgreSQL 15 writes: every option libpq knows, most of which this tool does not act on.
const WRITTEN_BY_BASEBACKUP =
  `user=replicator passfile='/var/lib/postgresql/.pgpass' channel_binding=prefer host=db1.test port=5432 sslmode=verify-full ` +
  `sslcert=${DIR}/postgresql.crt sslkey=${DIR}/postgresql.key sslrootcert=${DIR}/root.crt sslsni=1 ssl_min_protocol_version=TLSv1.2 ` +
  'gssencmode=prefer krbsrvname=postgres target_session_attrs=any';

test('pg_basebackup -R\'s primary_conninfo, with options this tool does not know, gives the three paths', (t) => {
  t.deepEqual(replicationPaths(WRITTEN_BY_BASEBACKUP, 'replicator', BUNDLE), {
    paths: { 'root.crt': `${DIR}/root.crt`, 'postgresql.crt': `${DIR}/postgresql.crt`, 'postgresql.key': `${DIR}/postgresql.key` },
  });
  const uri = `postgresql://replicator@db1.test/?sslmode=verify-full&sslrootcert=${DIR}/r.pem&sslcert=${DIR}/c.pem&sslkey=${DIR}/k.pem&channel_binding=require`;
  t.deepEqual(replicationPaths(uri, 'replicator', BUNDLE), { paths: { 'root.crt': `${DIR}/r.pem`, 'postgresql.crt': `${DIR}/c.pem`, 'postgresql.key': `${DIR}/k.pem` } });
});

const refused = test.macro((t, conninfo: string | undefined, why: RegExp) => {
  const r = replicationPaths(conninfo, 'replicator', BUNDLE);
  t.true('problems' in r, 'no paths for this primary_conninfo');
  if ('problems' in r) t.regex(r.problems.join('\n'), why);
});

test('no primary_conninfo', refused, undefined, /sets no primary_conninfo/);
test('sslmode=require', refused, `host=db1 user=replicator sslmode=require ${FILES}`, /sslmode=require, not verify-full/);
test('no sslmode: libpq\'s prefer', refused, `host=db1 user=replicator ${FILES}`, /sslmode=prefer \(by default\), not verify-full/);
test('another user', refused, `host=db1 user=postgres sslmode=verify-full ${FILES}`, /connects as user postgres, not as the bundle's replication role replicator/);
test('no user', refused, `host=db1 sslmode=verify-full ${FILES}`, /connects as the OS user \(no user=\)/);
test('no sslkey', refused, `host=db1 user=replicator sslmode=verify-full sslrootcert=${DIR}/root.crt sslcert=${DIR}/postgresql.crt`, /names no sslkey: libpq would look in ~\/\.postgresql\/, and apply does not guess/);
test('sslrootcert=system', refused, `host=db1 user=replicator sslmode=verify-full sslrootcert=system sslcert=${DIR}/a sslkey=${DIR}/b`, /sslrootcert=system/);
test('a relative path', refused, `host=db1 user=replicator sslmode=verify-full sslrootcert=root.crt sslcert=${DIR}/a sslkey=${DIR}/b`, /sslrootcert "root\.crt" is a relative path/);
test('a path with ..', refused, `host=db1 user=replicator sslmode=verify-full sslrootcert=${DIR}/../../../etc/x sslcert=${DIR}/a sslkey=${DIR}/b`, /not a plain absolute path/);
test('a path inside the bundle', refused, `host=db1 user=replicator sslmode=verify-full sslrootcert=${BUNDLE}/clients/replicator/root.crt sslcert=${DIR}/a sslkey=${DIR}/b`, /inside the bundle \/srv\/bundle/);
test('one file named twice', refused, `host=db1 user=replicator sslmode=verify-full sslrootcert=${DIR}/a sslcert=${DIR}/a sslkey=${DIR}/b`, /one file for two/);
test('a conninfo that does not parse', refused, "host=db1 user='replicator", /unterminated quoted string/);

test('the fix names the README section, the install command and every keyword', (t) => {
  const fix = conninfoFix('replicator');
  t.regex(fix, /README's "Standby" section/);
  t.regex(fix, /apply BUNDLE --server NAME --replication-files DIR/);
  t.regex(fix, /user=replicator sslmode=verify-full sslrootcert=DIR\/root\.crt sslcert=DIR\/postgresql\.crt sslkey=DIR\/postgresql\.key/);
  t.notRegex(fix, /gssencmode/);
  t.regex(conninfoFix('replicator', true), /sslkey=DIR\/postgresql\.key gssencmode=disable'/, 'under transport both, as the README\'s conninfo');
});

test('pathProblem: the bundle directory itself and its files are refused, a sibling with the same prefix is not', (t) => {
  t.regex(pathProblem('--replication-files', BUNDLE, BUNDLE) ?? '', /inside the bundle/);
  t.is(pathProblem('--replication-files', `${BUNDLE}-replication`, BUNDLE), undefined);
  t.regex(pathProblem('x', '/a\nb', BUNDLE) ?? '', /control character/);
});

const bundle: ReplicationBundle = {
  role: 'replicator',
  dir: `${BUNDLE}/clients/replicator`,
  files: { 'root.crt': Buffer.from('ca'), 'postgresql.crt': Buffer.from('crt'), 'postgresql.key': Buffer.from('key') },
  gssencDisable: false,
};
const paths = { 'root.crt': `${DIR}/root.crt`, 'postgresql.crt': `${DIR}/postgresql.crt`, 'postgresql.key': `${DIR}/postgresql.key` };

test('planned files: certificates 0644, the key 0600 and secret, all owned by the server\'s user; nothing changes when they are in place', (t) => {
  const owner = { uid: 70, gid: 71 };
  const fresh = planReplicationFiles(bundle, paths, owner, () => undefined);
  t.deepEqual(
    fresh.map((f) => [f.role, f.path, f.after.mode, f.after.uid, f.after.gid, f.secret, f.changes]),
    [
      ['replication-root.crt', `${DIR}/root.crt`, 0o644, 70, 71, false, ['create']],
      ['replication-postgresql.crt', `${DIR}/postgresql.crt`, 0o644, 70, 71, false, ['create']],
      ['replication-postgresql.key', `${DIR}/postgresql.key`, 0o600, 70, 71, true, ['create']],
    ],
  );
  t.is(fresh[2]!.source, `${BUNDLE}/clients/replicator/postgresql.key`);
  const current = new Map(fresh.map((f) => [f.path, f.after]));
  t.deepEqual(planReplicationFiles(bundle, paths, owner, (p) => current.get(p)).map((f) => f.changes), [[], [], []]);
  // A key left readable by the group (libpq refuses it) and an old certificate are both put right.
  current.set(`${DIR}/postgresql.key`, { ...fresh[2]!.after, mode: 0o640 });
  current.set(`${DIR}/postgresql.crt`, { ...fresh[1]!.after, bytes: Buffer.from('old') });
  t.deepEqual(planReplicationFiles(bundle, paths, owner, (p) => current.get(p)).map((f) => f.changes), [[], ['content'], ['mode']]);
});

test('dirProblem: only a directory the server\'s user owns and nobody else can write', (t) => {
  const work = mkdtempSync(join(tmpdir(), 'pgss-repl-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const pg = { uid: 4242, name: 'pgtest' };
  const dir = join(work, 'repl');
  t.regex(dirProblem(dir, pg) ?? '', /does not exist/);
  mkdirSync(dir, { mode: 0o700 });
  t.regex(dirProblem(dir, pg) ?? '', /owned by uid 0, not by pgtest: apply writes the replication files only into a directory of pgtest's \(chown pgtest/);
  chownSync(dir, 4242, 4242);
  t.is(dirProblem(dir, pg), undefined);
  chmodSync(dir, 0o777);
  t.regex(dirProblem(dir, pg) ?? '', /writable by others \(mode 777\): chmod 700 it/);
  const link = join(work, 'link');
  symlinkSync(dir, link);
  chmodSync(dir, 0o700);
  t.is(dirProblem(link, pg), undefined, 'a link root made is followed, as in Debian\'s layout');
  lchownSync(link, 4242, 4242);
  t.regex(dirProblem(link, pg) ?? '', /link is a symbolic link made by uid 4242, not by root/);
  writeFileSync(join(work, 'file'), '');
  t.regex(dirProblem(join(work, 'file'), pg) ?? '', /is not a directory/);
});

test('the bundle\'s role and files are read without following links; a bundle without a role has none', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'pgss-repl-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  writeFileSync(join(work, 'answers.json'), JSON.stringify({ pgVersion: 15 }));
  t.is(await readReplicationBundle(work), undefined);
  writeFileSync(join(work, 'answers.json'), JSON.stringify({ pgVersion: 15, replicationUser: 'replicator' }));
  mkdirSync(join(work, 'clients', 'replicator'), { recursive: true });
  writeFileSync(join(work, 'clients', 'replicator', 'root.crt'), 'ca');
  writeFileSync(join(work, 'clients', 'replicator', 'postgresql.crt'), 'crt');
  symlinkSync('/etc/shadow', join(work, 'clients', 'replicator', 'postgresql.key'));
  await t.throwsAsync(readReplicationBundle(work), { instanceOf: UsageError, message: /clients\/replicator\/postgresql\.key is a symbolic link/ });
  rmSync(join(work, 'clients', 'replicator', 'postgresql.key'));
  await t.throwsAsync(readReplicationBundle(work), { instanceOf: UsageError, message: /clients\/replicator\/postgresql\.key is missing/ });
  writeFileSync(join(work, 'clients', 'replicator', 'postgresql.key'), 'key');
  const read = await readReplicationBundle(work);
  t.is(read?.role, 'replicator');
  t.is(Buffer.from(read!.files['postgresql.key']).toString(), 'key');
  t.false(read!.gssencDisable);
  writeFileSync(join(work, 'answers.json'), JSON.stringify({ pgVersion: 15, replicationUser: 'replicator', transport: 'both' }));
  t.true((await readReplicationBundle(work))!.gssencDisable, 'under transport both the fix names gssencmode=disable');
});

test('a manifest may name replication files outside the data and configuration directories, and nothing else there', (t) => {
  const server = { dataDir: '/data', configFile: '/data/postgresql.conf', hbaFile: '/data/pg_hba.conf' };
  const after = { mode: 0o600, uid: 1, gid: 1, sha256: 'x' };
  const manifest = (role: string, path: string): Backup => ({
    dir: '/state/b',
    manifest: { format: 1, tool: 't', createdAt: '', bundle: '', dataDir: '/data', configFile: server.configFile, hbaFile: server.hbaFile, status: 'applied', files: [{ role: role as 'hba', path, after }] },
  });
  t.notThrows(() => checkManifest(manifest('replication-postgresql.key', `${DIR}/postgresql.key`), server));
  t.throws(() => checkManifest(manifest('server.key', `${DIR}/postgresql.key`), server), { instanceOf: UsageError, message: /outside/ });
  t.throws(() => checkManifest(manifest('replication-postgresql.key', `${DIR}/../x`), server), { instanceOf: UsageError, message: /outside/ });
});
