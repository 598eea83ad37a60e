/**
 * A primary and two standbys from one bundle, on three PostgreSQL 15
 * clusters on 127.0.0.1: db1 is applied as the primary, db2 and db3 are
 * built by the README's own commands and applied as themselves; both stream
 * as CN=replicator over TLS, and each server answers verify-full under its
 * own names only. Then a switchover as an administrator makes it: the
 * primary stopped (fast), db2 promoted, db3 pointed at db2 by a name in
 * db2's certificate (ALTER SYSTEM + reload, 19.6.3), and the old primary
 * following db2 as the README says: every server admits every server of
 * the bundle, and the same replication files serve after the switch.
 */
import test from 'ava';
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { asPostgres, type Cluster } from '../helpers/cluster.js';
import { cli, connectTcp, makeBundle } from './apply-helpers.js';
import { installReplicationFiles, primaryAndStandbys, streamingFrom, until } from './replication-helpers.js';

const ROLE = 'replicator';
const README_DIR = '/var/lib/postgresql/replication';
const README_PGDATA = '/var/lib/postgresql/15/main';
const streams = (...names: string[]) => names.map((n) => `${n}|${ROLE}|t|/CN=${ROLE}`).join('\n');

/** The server's name as `status BUNDLE --pgdata` finds it, or its problems. */
async function statusName(bundle: string, c: Cluster): Promise<string> {
  const r = await runCli(['status', bundle, '--pgdata', c.dataDir, '--json']);
  const report = JSON.parse(r.stdout) as { server: { name?: string }; problems: string[] };
  return r.code === 0 ? String(report.server.name) : report.problems.join('\n');
}

/** A primary_conninfo dialling another server: its name (resolved through hostaddr, as nothing else knows db2.test) and port, all else kept. */
function redial(conninfo: string, host: string, port: number): string {
  return conninfo.replace(/\bhost=('[^']*'|\S+)/, `host=${host} hostaddr=127.0.0.1`).replace(/\bport=('[^']*'|\S+)/, `port=${port}`);
}

test.serial('one bundle, three servers: both standbys stream as CN=replicator over TLS, and after a switchover to db2 the others follow it with the same files', async (t) => {
  const { primary: db1, standbys } = await primaryAndStandbys(t, 2);
  const [db2, db3] = standbys as [Cluster, Cluster];
  const servers = ['db1=localhost,127.0.0.1', 'db2=db2.test', 'db3=db3.test'];
  const { bundle, work } = await makeBundle(['--client-certs', 'cert', '--replication-user', ROLE, '--port', String(db1.port), ...servers.flatMap((s) => ['--server', s])]);
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const certs = join(work, 'replication');

  const onPrimary = await cli(['apply', bundle, '--pgdata', db1.dataDir, '--server', 'db1']);
  t.is(onPrimary.code, 0, onPrimary.stderr + onPrimary.stdout);
  await db1.psql(`CREATE ROLE ${ROLE} WITH REPLICATION LOGIN`);

  // The README's commands for each standby: only its name, data directory and replication directory change.
  const readme = await readFile(join(bundle, 'README.md'), 'utf8');
  const applyLine = (name: string) => new RegExp(`^sudo npx pg-secure-setup (apply \\. --server ${name} --pgdata \\S+)   # `, 'm').exec(readme)?.[1];
  const filesLine = /^sudo npx pg-secure-setup (apply \. --server db2 --replication-files \S+)$/m.exec(readme)?.[1];
  const backup = /^sudo -u postgres pg_basebackup -D (\S+) -R -X stream -d '([^']+)'$/m.exec(readme);
  t.truthy(filesLine && backup && applyLine('db2') && applyLine('db3'), 'the README gives the Standby and Servers commands');
  t.is(backup![1], README_PGDATA);
  const dial = backup![2]!.replaceAll(README_DIR, certs);
  t.regex(dial, new RegExp(`^host=localhost port=${db1.port} user=${ROLE} sslmode=verify-full `));

  for (const [name, c] of [['db2', db2], ['db3', db3]] as const) {
    const files = await runCli(filesLine!.replace('--server db2', `--server ${name}`).replace(README_DIR, certs).split(' '), { cwd: bundle });
    t.is(files.code, 0, files.stderr + files.stdout);
    await rm(c.dataDir, { recursive: true, force: true });
    await asPostgres(join(db1.clientBin, 'pg_basebackup'), ['-D', c.dataDir, '-R', '-X', 'stream', '-d', dial]);
    // The copy holds db1's postgresql.conf: the standby's own port, socket and name come last, so they win.
    await c.appendConf(`port = ${c.port}\nunix_socket_directories = '${c.socketDir}'\ncluster_name = '${name}'\nwal_retrieve_retry_interval = '200ms'`);
    await c.start();
    const applied = await runCli(applyLine(name)!.replace(README_PGDATA, c.dataDir).split(' '), { cwd: bundle, timeout: 120_000 });
    t.is(applied.code, 0, applied.stderr + applied.stdout);
  }

  t.is(await until(() => streamingFrom(db1), (v) => v === streams('db2', 'db3')), streams('db2', 'db3'), 'pg_stat_replication with pg_stat_ssl on db1: two standbys, TLS, the role\'s certificate');
  await db1.psql('CREATE TABLE from_db1 AS SELECT 1 AS n');
  for (const c of [db2, db3]) t.is(await until(() => c.psql('SELECT n FROM from_db1'), (v) => v === '1'), '1');

  // Each server presents its own certificate: verify-full passes under its own name, fails under another's.
  const home = join(work, 'home');
  await mkdir(home);
  const tls = { user: ROLE, sslmode: 'verify-full', sslrootcert: join(certs, 'root.crt'), sslcert: join(certs, 'postgresql.crt'), sslkey: join(certs, 'postgresql.key') };
  const ask = (c: Cluster, host: string) => connectTcp(c, home, { ...tls, host }).catch((e: Error) => e.message);
  const names: [Cluster, string, string][] = [
    [db1, 'localhost', '"localhost" (and 1 other name)'],
    [db2, 'db2.test', '"db2.test"'],
    [db3, 'db3.test', '"db3.test"'],
  ];
  for (const [c, own, presented] of names) {
    t.is(await until(() => ask(c, own), (v) => v === 't'), 't', `${own} answers verify-full under its own name`);
    for (const [, other] of names.filter(([, n]) => n !== own)) {
      t.true((await ask(c, other)).includes(`server certificate for ${presented} does not match host name "${other}"`), `${own} under ${other}`);
    }
  }
  t.deepEqual([await statusName(bundle, db1), await statusName(bundle, db2), await statusName(bundle, db3)], ['db1', 'db2', 'db3'], 'status --pgdata names each server');

  // The README's switchover, step by step.
  const toNext = /by a name in its certificate \(`host=(\S+)` for db2\)/.exec(readme)?.[1];
  const rejoinLine = /\(`(apply \. --server db1 --replication-files \S+)`\)/.exec(readme)?.[1];
  t.is(toNext, 'db2.test', 'the README names the new primary by its certificate\'s name');
  t.is(rejoinLine, `apply . --server db1 --replication-files ${README_DIR}`);
  await db1.psql('CREATE ROLE alice SUPERUSER LOGIN');
  await db1.pgCtl('-m', 'fast', '-w', 'stop');
  t.is(await db2.psql('SELECT pg_promote()'), 't');
  t.is(await db2.psql('SELECT pg_is_in_recovery()'), 'f');
  const before = await db3.psql('SHOW primary_conninfo');
  t.regex(before, /sslmode='verify-full'/);
  const repoint = async (host: string) => {
    await db3.psql(`ALTER SYSTEM SET primary_conninfo = '${redial(before, host, db2.port).replaceAll("'", "''")}'`);
    await db3.psql('SELECT pg_reload_conf()');
  };
  // By a name db2's certificate lacks, verify-full refuses it: the walreceiver says so in db3's log.
  await repoint('localhost');
  const refused = 'server certificate for "db2.test" does not match host name "localhost"';
  t.true((await until(() => db3.readLog(), (v) => v.includes(refused))).includes(refused));
  await repoint(toNext!);
  t.is(await until(() => streamingFrom(db2), (v) => v === streams('db3')), streams('db3'), 'db3 streams from db2 over TLS as CN=replicator');
  await db2.psql('CREATE TABLE from_db2 AS SELECT 2 AS n');
  t.is(await until(() => db3.psql('SELECT n FROM from_db2'), (v) => v === '2'), '2');
  t.is(await db3.psql('SELECT received_tli FROM pg_stat_wal_receiver'), '2', 'db3 follows db2\'s new timeline');
  t.is(await statusName(bundle, db3), 'db3', 'status on db3 after the switch: its own certificate, the bundle\'s replication files');

  // pg_rewind on these servers: not as the replication role, and not without checksums or wal_log_hints.
  const toDb2 = redial(before, toNext!, db2.port);
  const rewind = (user: string, dir: string) =>
    asPostgres(join(db1.clientBin, 'pg_rewind'), ['-D', db1.dataDir, '--dry-run', `--source-server=${toDb2.replaceAll(certs, dir).replace(`user=${ROLE}`, `user=${user}`)} dbname=postgres`]).then(
      () => 'rewound',
      (e: { stderr?: string }) => String(e.stderr),
    );
  t.regex(await rewind(ROLE, certs), /permission denied for function pg_read_binary_file/);
  const aliceFiles = join(work, 'alice');
  await installReplicationFiles(bundle, 'alice', aliceFiles);
  t.regex(await rewind('alice', aliceFiles), /target server needs to use either data checksums or "wal_log_hints = on"/);

  // The old primary, stopped cleanly, follows db2 without it.
  const files = await runCli(rejoinLine!.replace(README_DIR, certs).split(' '), { cwd: bundle });
  t.is(files.code, 0, files.stderr + files.stdout);
  await db1.writeDataFile('standby.signal', '');
  await appendFile(join(db1.dataDir, 'postgresql.auto.conf'), `primary_conninfo = '${toDb2.replaceAll("'", "''")}'\n`);
  await db1.appendConf(`cluster_name = 'db1'\nwal_retrieve_retry_interval = '200ms'`);
  await db1.start();
  t.is(await until(() => streamingFrom(db2), (v) => v === streams('db1', 'db3')), streams('db1', 'db3'), 'db2 now feeds db1 and db3');
  await db2.psql('CREATE TABLE after_rejoin AS SELECT 3 AS n');
  t.is(await until(() => db1.psql('SELECT n FROM after_rejoin'), (v) => v === '3'), '3');
  t.is(await statusName(bundle, db1), 'db1');
});
