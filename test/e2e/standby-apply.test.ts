/**
 * apply on a standby of a bundle of two servers, on two PostgreSQL 15
 * clusters on 127.0.0.1: the README's Standby commands (apply
 * --replication-files, then pg_basebackup -R) build a standby that streams
 * as CN=replicator; after the replication certificate is re-issued, apply
 * on the standby installs it where primary_conninfo names it, and the
 * walreceiver's next connection presents it; rollback puts the old files
 * back, and so does rollback --replication-files with no reload; a
 * primary_conninfo apply cannot use is a warning naming the fix.
 */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { asPostgres, startCluster } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { cli, makeBundle } from './apply-helpers.js';
import { primaryAndStandby, until } from './replication-helpers.js';

const ROLE = 'replicator';
const README_DIR = '/var/lib/postgresql/replication';
const STREAMING = "SELECT r.usename, s.ssl, s.client_dn, s.client_serial FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.state = 'streaming'";

/** The certificate's serial as pg_stat_ssl.client_serial shows it (decimal). */
async function serialOf(path: string): Promise<string> {
  return BigInt(`0x${new X509Certificate(await readFile(path)).serialNumber}`).toString();
}

async function modeOwner(path: string): Promise<string> {
  const st = await stat(path);
  return `${(st.mode & 0o777).toString(8)} ${st.uid}`;
}

test.serial('the README builds a standby whose replication files apply keeps: re-issued, installed where primary_conninfo names them, presented on reconnection, rolled back', async (t) => {
  const { primary, standby } = await primaryAndStandby(t);
  const { bundle, work } = await makeBundle(['--client-certs', 'cert', '--replication-user', ROLE, '--port', String(primary.port), '--server', 'db1=localhost,127.0.0.1', '--server', 'db2=standby.test']);
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const onPrimary = await cli(['apply', bundle, '--pgdata', primary.dataDir, '--server', 'db1']);
  t.is(onPrimary.code, 0, onPrimary.stderr + onPrimary.stdout);
  await primary.psql(`CREATE ROLE ${ROLE} WITH REPLICATION LOGIN`);
  const postgresUid = (await stat(primary.dataDir)).uid;

  // The README's two commands, with the replication directory where this test keeps it.
  const readme = await readFile(join(bundle, 'README.md'), 'utf8');
  const certs = join(work, 'replication');
  const installLine = /^sudo npx pg-secure-setup (apply \. .*--replication-files \S+)$/m.exec(readme)?.[1];
  t.is(installLine, `apply . --server db2 --replication-files ${README_DIR}`, 'the README installs the files with one apply command');
  const installed = await runCli(installLine!.replace(README_DIR, certs).split(' '), { cwd: bundle });
  t.is(installed.code, 0, installed.stderr + installed.stdout);
  t.regex(installed.stdout, new RegExp(`created ${certs} \\(0700, postgres\\)`));
  t.is(await modeOwner(certs), `700 ${postgresUid}`);
  t.is(await modeOwner(join(certs, 'postgresql.key')), `600 ${postgresUid}`, 'the key: 0600, owned by postgres');
  t.is(await modeOwner(join(certs, 'postgresql.crt')), `644 ${postgresUid}`);
  t.is(await modeOwner(join(certs, 'root.crt')), `644 ${postgresUid}`);
  const again = await runCli(installLine!.replace(README_DIR, certs).split(' '), { cwd: bundle });
  t.regex(again.stdout, /Nothing to change: .* already holds the replication files of replicator/);

  const conninfo = /pg_basebackup -D \S+ -R -X stream -d '([^']+)'/.exec(readme)?.[1];
  t.truthy(conninfo, 'the README gives the pg_basebackup -R command');
  await rm(standby.dataDir, { recursive: true, force: true });
  await asPostgres(join(primary.clientBin, 'pg_basebackup'), ['-D', standby.dataDir, '-R', '-X', 'stream', '-d', conninfo!.replaceAll(README_DIR, certs).replace('host=db1.test', 'host=localhost')]);
  // The standby's own port and socket come last; a quick retry so the reconnection below is not 5 s away.
  await standby.appendConf(`port = ${standby.port}\nunix_socket_directories = '${standby.socketDir}'\nwal_retrieve_retry_interval = '200ms'`);
  await standby.start();
  const oldSerial = await serialOf(join(certs, 'postgresql.crt'));
  t.is(await until(() => primary.psql(STREAMING), (v) => v !== ''), `${ROLE}|t|/CN=${ROLE}|${oldSerial}`);

  // apply on the standby: its own server files; the replication files are already the bundle's.
  const first = await cli(['apply', bundle, '--pgdata', standby.dataDir, '--server', 'db2']);
  t.is(first.code, 0, first.stderr + first.stdout);
  t.notRegex(first.stdout, /wrote \S+replication/);
  t.is(first.stderr, '');

  // status finds which server each one is, and on the standby compares the replication files.
  type Report = { server: { name?: string; runsBundleCert: boolean; replication?: { role: string; files: { name: string; path: string; state: string; daysLeft?: number }[] } }; problems: string[] };
  const status = async (dataDir: string, ...more: string[]) => {
    const r = await runCli(['status', bundle, '--pgdata', dataDir, '--json', ...more]);
    return { code: r.code, report: JSON.parse(r.stdout) as Report };
  };
  const atStandby = await status(standby.dataDir);
  t.is(atStandby.code, 0, atStandby.report.problems.join('\n'));
  t.is(atStandby.report.server.name, 'db2');
  t.deepEqual(atStandby.report.server.replication?.files.map((f) => [f.name, f.path, f.state]), [
    ['root.crt', join(certs, 'root.crt'), 'bundle'],
    ['postgresql.crt', join(certs, 'postgresql.crt'), 'bundle'],
    ['postgresql.key', join(certs, 'postgresql.key'), 'bundle'],
  ]);
  t.true((atStandby.report.server.replication?.files[1]?.daysLeft ?? 0) > 300);
  const atPrimary = await status(primary.dataDir);
  t.is(atPrimary.code, 0, atPrimary.report.problems.join('\n'));
  t.is(atPrimary.report.server.name, 'db1');
  t.is(atPrimary.report.server.replication, undefined, 'the primary is no standby');
  const asOther = await status(standby.dataDir, '--server', 'db1');
  t.is(asOther.code, 1);
  t.deepEqual(asOther.report.problems, [`the server at ${standby.dataDir} runs db2's certificate, not db1's: pg-secure-setup apply BUNDLE --server db1`]);

  // A new replication certificate in the bundle, then apply on the standby.
  const oldCrt = await readFile(join(certs, 'postgresql.crt'));
  const oldKey = await readFile(join(certs, 'postgresql.key'));
  const issued = await runCli(['issue', bundle, '--client-user', ROLE, '--force']);
  t.is(issued.code, 0, issued.stderr);
  const stale = await status(standby.dataDir, '--server', 'db2');
  t.is(stale.code, 1);
  t.deepEqual(stale.report.problems, [`the standby's replication file ${certs}/postgresql.crt is not the bundle's clients/replicator/postgresql.crt: pg-secure-setup apply BUNDLE --server db2 --pgdata ${standby.dataDir}`, `the standby's replication file ${certs}/postgresql.key is not the bundle's clients/replicator/postgresql.key: pg-secure-setup apply BUNDLE --server db2 --pgdata ${standby.dataDir}`]);
  const dry = await cli(['apply', bundle, '--pgdata', standby.dataDir, '--server', 'db2', '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, new RegExp(`# ${certs}/postgresql\\.key: contents sha256:\\w+ -> sha256:\\w+ \\(private: not shown\\)`));
  t.regex(dry.stdout, new RegExp(`install -m 0600 -o postgres -g postgres ${bundle}/clients/replicator/postgresql\\.key ${certs}/postgresql\\.key`));
  t.deepEqual(await readFile(join(certs, 'postgresql.key')), oldKey, 'the dry run changed nothing');
  const renewed = await cli(['apply', bundle, '--pgdata', standby.dataDir, '--server', 'db2']);
  t.is(renewed.code, 0, renewed.stderr + renewed.stdout);
  t.regex(renewed.stdout, new RegExp(`Standby: primary_conninfo names the replication files of replicator: ${certs}/root\\.crt, ${certs}/postgresql\\.crt, ${certs}/postgresql\\.key`));
  t.regex(renewed.stdout, new RegExp(`wrote ${certs}/postgresql\\.key \\(content\\)`));
  t.deepEqual(await readFile(join(certs, 'postgresql.crt')), await readFile(join(bundle, 'clients', ROLE, 'postgresql.crt')));
  t.deepEqual(await readFile(join(certs, 'postgresql.key')), await readFile(join(bundle, 'clients', ROLE, 'postgresql.key')));
  t.is(await modeOwner(join(certs, 'postgresql.key')), `600 ${postgresUid}`);
  t.is((await status(standby.dataDir)).code, 0, 'status: the standby has the bundle\'s replication files again');
  const unchanged = await cli(['apply', bundle, '--pgdata', standby.dataDir, '--server', 'db2']);
  t.regex(unchanged.stdout, /Nothing to change: the server already has this bundle/);

  // The walreceiver's next connection presents the new certificate.
  const newSerial = await serialOf(join(certs, 'postgresql.crt'));
  t.not(newSerial, oldSerial);
  await primary.psql('SELECT pg_terminate_backend(pid) FROM pg_stat_replication');
  t.is(await until(() => primary.psql(STREAMING), (v) => v.endsWith(`|${newSerial}`)), `${ROLE}|t|/CN=${ROLE}|${newSerial}`);
  await primary.psql('CREATE TABLE after_reissue AS SELECT 7 AS n');
  t.is(await until(() => standby.psql('SELECT n FROM after_reissue'), (v) => v === '7'), '7');

  // rollback puts the old files back, owner and mode included.
  const rolled = await cli(['rollback', '--pgdata', standby.dataDir]);
  t.is(rolled.code, 0, rolled.stderr + rolled.stdout);
  t.deepEqual(await readFile(join(certs, 'postgresql.crt')), oldCrt);
  t.deepEqual(await readFile(join(certs, 'postgresql.key')), oldKey);
  t.is(await modeOwner(join(certs, 'postgresql.key')), `600 ${postgresUid}`);
  await primary.psql('SELECT pg_terminate_backend(pid) FROM pg_stat_replication');
  t.is(await until(() => primary.psql(STREAMING), (v) => v.endsWith(`|${oldSerial}`)), `${ROLE}|t|/CN=${ROLE}|${oldSerial}`, 'the old certificate streams again');

  // The same round trip through --replication-files: no server is reloaded, the walreceiver's next connection decides.
  const viaDir = await runCli(installLine!.replace(README_DIR, certs).split(' '), { cwd: bundle });
  t.regex(viaDir.stdout, /Backed up 2 file\(s\)/);
  await primary.psql('SELECT pg_terminate_backend(pid) FROM pg_stat_replication');
  t.is(await until(() => primary.psql(STREAMING), (v) => v.endsWith(`|${newSerial}`)), `${ROLE}|t|/CN=${ROLE}|${newSerial}`);
  const undone = await cli(['rollback', '--replication-files', certs]);
  t.is(undone.code, 0, undone.stderr);
  t.regex(undone.stdout, /No server was reloaded: a standby's walreceiver reads the replication files when it next connects/);
  t.deepEqual(await readFile(join(certs, 'postgresql.key')), oldKey);
  t.is(await modeOwner(join(certs, 'postgresql.key')), `600 ${postgresUid}`);
  await primary.psql('SELECT pg_terminate_backend(pid) FROM pg_stat_replication');
  t.is(await until(() => primary.psql(STREAMING), (v) => v.endsWith(`|${oldSerial}`)), `${ROLE}|t|/CN=${ROLE}|${oldSerial}`, 'after rollback --replication-files the old certificate streams');
});

test.serial('a standby\'s primary_conninfo apply cannot use: a warning naming why and the fix, the replication files left alone', async (t) => {
  const standby = await startCluster({ start: false });
  t.teardown(() => standby.stop());
  const { bundle, work } = await makeBundle(['--client-certs', 'cert', '--replication-user', ROLE, '--server', 'db1=localhost,127.0.0.1', '--server', 'db2=standby.test']);
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const certs = join(work, 'replication');
  const installed = await cli(['apply', bundle, '--server', 'db2', '--replication-files', certs]);
  t.is(installed.code, 0, installed.stderr);
  await standby.writeDataFile('standby.signal', '');
  const files = `sslrootcert=${certs}/root.crt sslcert=${certs}/postgresql.crt sslkey=${certs}/postgresql.key`;
  const cases: [string, RegExp][] = [
    [`host=localhost user=${ROLE} sslmode=require ${files}`, /primary_conninfo has sslmode=require, not verify-full/],
    [`host=localhost user=postgres sslmode=verify-full ${files}`, /connects as user postgres, not as the bundle's replication role replicator/],
    [`host=localhost user=${ROLE} sslmode=verify-full sslrootcert=${certs}/root.crt sslcert=${certs}/postgresql.crt`, /names no sslkey/],
    [`host=localhost user=${ROLE} sslmode=verify-full sslrootcert=root.crt sslcert=${certs}/postgresql.crt sslkey=${certs}/postgresql.key`, /sslrootcert "root\.crt" is a relative path/],
    [`host=localhost user=${ROLE} sslmode=verify-full sslrootcert=${bundle}/clients/${ROLE}/root.crt sslcert=${certs}/postgresql.crt sslkey=${certs}/postgresql.key`, /is inside the bundle/],
    // A directory of root's: the server's user must not steer root's writes there.
    [`host=localhost user=${ROLE} sslmode=verify-full sslrootcert=${work}/root.crt sslcert=${work}/postgresql.crt sslkey=${work}/postgresql.key`, /owned by uid 0, not by postgres/],
  ];
  const before = await readFile(join(certs, 'postgresql.key'));
  for (const [conninfo, why] of cases) {
    await standby.writeDataFile('postgresql.auto.conf', `primary_conninfo = '${conninfo.replace(/'/g, "''")}'\n`);
    const r = await cli(['apply', bundle, '--pgdata', standby.dataDir, '--server', 'db2', '--dry-run']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /Warning: .* is a standby \(standby\.signal\), but the replication files of replicator are not installed \(primary_conninfo from \S+postgresql\.auto\.conf:1\)/, conninfo);
    t.regex(r.stderr, why, conninfo);
    t.regex(r.stderr, /README's "Standby" section/);
    t.notRegex(r.stdout, /replication\/postgresql\.key/);
  }
  // Not a dry run: the rest of the bundle is installed, the files stay as they were.
  const applied = await cli(['apply', bundle, '--pgdata', standby.dataDir, '--server', 'db2']);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  t.regex(applied.stderr, /owned by uid 0, not by postgres/);
  t.deepEqual(await readFile(join(standby.dataDir, 'server.crt')), await readFile(join(bundle, 'servers', 'db2', 'server.crt')));
  t.deepEqual(await readFile(join(certs, 'postgresql.key')), before);
  t.false(await stat(join(work, 'postgresql.key')).then(() => true, () => false), 'nothing written into the directory of root\'s');

  // --replication-files over older files: they are backed up before they are replaced.
  t.is((await runCli(['issue', bundle, '--client-user', ROLE, '--force'])).code, 0);
  const replaced = await cli(['apply', bundle, '--server', 'db2', '--replication-files', certs]);
  t.is(replaced.code, 0, replaced.stderr);
  const backupDir = /Backed up 2 file\(s\) to (\S+)/.exec(replaced.stdout)?.[1];
  t.truthy(backupDir, replaced.stdout);
  const saved = await readdir(join(backupDir!, 'files'));
  t.deepEqual(saved.sort(), ['1-postgresql.crt', '2-postgresql.key']);
  t.deepEqual(await readFile(join(backupDir!, 'files', '2-postgresql.key')), before);
  t.deepEqual(await readFile(join(certs, 'postgresql.key')), await readFile(join(bundle, 'clients', ROLE, 'postgresql.key')));
  // ... and rollback --replication-files puts them back, reloading no server.
  const undone = await cli(['rollback', '--replication-files', certs]);
  t.is(undone.code, 0, undone.stderr);
  t.regex(undone.stdout, /2 file\(s\) restored, 0 removed[^]*No server was reloaded/);
  t.deepEqual(await readFile(join(certs, 'postgresql.key')), before);
});

test.serial('--replication-files: bad input exits 2 naming the problem, nothing written', async (t) => {
  const { bundle, work } = await makeBundle(['--client-certs', 'cert', '--replication-user', ROLE]);
  const plain = await makeBundle(['--client-certs', 'cert']);
  t.teardown(() => Promise.all([rm(work, { recursive: true, force: true }), rm(plain.work, { recursive: true, force: true })]));
  const bad: [string[], RegExp][] = [
    [['apply', bundle, '--replication-files', 'replication'], /--replication-files "replication" is a relative path/],
    [['apply', bundle, '--replication-files', join(bundle, 'replication')], /is inside the bundle/],
    [['apply', bundle, '--replication-files', join(work, 'no', 'such')], /no does not exist: create it first/],
    [['apply', bundle, '--replication-files', join(work, 'r'), '--owner', 'no-such-user-here'], /--owner no-such-user-here: no such user/],
    [['apply', bundle, '--replication-files', work], /owned by uid 0, not by postgres/],
    [['apply', bundle, '--replication-files', join(work, 'r'), '--pgdata', '/tmp'], /--replication-files installs only the replication files: leave out --pgdata/],
    [['apply', bundle, '--owner', 'postgres'], /--owner goes with --replication-files DIR/],
    [['apply', bundle, '--replication-files', join(work, 'r'), '--server', 'db9'], /--server db9: the bundle describes one server/],
    [['apply', plain.bundle, '--replication-files', join(work, 'r')], /has no replication role: make the bundle with generate --replication-user ROLE/],
  ];
  for (const [args, why] of bad) {
    const r = await cli(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, why, args.join(' '));
  }
  t.false(await stat(join(work, 'r')).then(() => true, () => false), 'nothing was created');
});
