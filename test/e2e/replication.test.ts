/**
 * A primary and a standby from one bundle, on two PostgreSQL 15 clusters on
 * 127.0.0.1: the standby is built with the README's pg_basebackup -R command
 * over verified TLS and streams with its certificate; plaintext replication,
 * replication without a certificate and with one from another CA are refused;
 * two servers of one bundle each verify under their own names only.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { asPostgres, startCluster, type Cluster } from '../helpers/cluster.js';
import { cli, makeBundle } from './apply-helpers.js';
import { installReplicationFiles, primaryAndStandby, until } from './replication-helpers.js';

const run = promisify(execFile);
const ROLE = 'replicator';
const STREAMING_SQL = "SELECT r.usename, s.ssl, s.client_dn FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.state = 'streaming'";

/** A replication connection attempt (psql with replication=true, as a walreceiver connects); rejects with libpq's message. */
async function replicationConnect(c: Cluster, conninfo: string, home: string, password = ''): Promise<string> {
  try {
    const { stdout } = await run(join(c.clientBin, 'psql'), ['-XAtq', `${conninfo} replication=true connect_timeout=5`, '-c', 'IDENTIFY_SYSTEM'], { env: { ...process.env, HOME: home, PGPASSWORD: password } });
    return stdout;
  } catch (err) {
    throw new Error(String((err as { stderr?: string }).stderr ?? err));
  }
}

test.serial('a standby built from the bundle streams over verified TLS as CN=replicator; plaintext, no certificate and another CA are refused', async (t) => {
  const { primary, standby } = await primaryAndStandby(t);
  const flags = ['--client-certs', 'cert', '--replication-user', ROLE, '--port', String(primary.port)];
  const { bundle, work } = await makeBundle(flags);
  const other = await makeBundle(['--client-certs', 'cert', '--replication-user', ROLE, '--port', '1']);
  t.teardown(() => Promise.all([rm(work, { recursive: true, force: true }), rm(other.work, { recursive: true, force: true })]));

  const hba = await readFile(join(bundle, 'conf', 'pg_hba.conf'), 'utf8');
  t.regex(hba, /^hostssl\s+replication\s+replicator\s+127\.0\.0\.1\/32\s+cert$/m);
  const applied = await cli(['apply', bundle, '--pgdata', primary.dataDir]);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  await primary.psql(`CREATE ROLE ${ROLE} WITH REPLICATION LOGIN`);

  // The README's command, with the files where this test keeps them.
  const readme = await readFile(join(bundle, 'README.md'), 'utf8');
  const conninfo = /pg_basebackup -D \S+ -R -X stream -d '([^']+)'/.exec(readme)?.[1];
  t.truthy(conninfo, 'the README gives the pg_basebackup -R command');
  const certs = join(work, 'replication');
  await installReplicationFiles(bundle, ROLE, certs);
  const dial = conninfo!.replaceAll('/var/lib/postgresql/replication', certs);
  t.regex(dial, new RegExp(`host=localhost port=${primary.port} user=replicator sslmode=verify-full sslrootcert=\\S+ sslcert=\\S+ sslkey=\\S+`));

  await rm(standby.dataDir, { recursive: true, force: true });
  await asPostgres(join(primary.clientBin, 'pg_basebackup'), ['-D', standby.dataDir, '-R', '-X', 'stream', '-d', dial]);
  const auto = await readFile(join(standby.dataDir, 'postgresql.auto.conf'), 'utf8');
  t.regex(auto, /primary_conninfo = '.*sslmode=''verify-full''.*sslcert=.*sslkey=.*'/, '-R wrote the TLS settings into primary_conninfo');
  // The base backup holds the primary's postgresql.conf: the standby's own port and socket come last, so they win.
  await standby.appendConf(`port = ${standby.port}\nunix_socket_directories = '${standby.socketDir}'`);
  await standby.start();

  const row = await until(() => primary.psql(STREAMING_SQL), (v) => v !== '');
  t.is(row, `${ROLE}|t|/CN=${ROLE}`, 'pg_stat_replication joined with pg_stat_ssl: the standby streams over TLS with its certificate');
  await primary.psql('CREATE TABLE replicated AS SELECT 42 AS answer');
  t.is(await until(() => standby.psql('SELECT answer FROM replicated'), (v) => v === '42'), '42', 'a write on the primary reached the standby');
  t.is(await standby.psql('SELECT pg_is_in_recovery()'), 't');

  // Refusals, each a replication connection to the primary.
  const home = join(work, 'empty-home');
  await mkdir(home);
  const plain = await replicationConnect(primary, `host=127.0.0.1 port=${primary.port} user=${ROLE} sslmode=disable`, home).catch((e: Error) => e.message);
  t.regex(plain, /pg_hba\.conf rejects replication connection for host "127\.0\.0\.1", user "replicator", no encryption/);
  const noCert = await replicationConnect(primary, `host=localhost port=${primary.port} user=${ROLE} sslmode=verify-full sslrootcert=${join(certs, 'root.crt')}`, home).catch((e: Error) => e.message);
  t.regex(noCert, /connection requires a valid client certificate/);
  const foreign = join(work, 'foreign');
  await installReplicationFiles(other.bundle, ROLE, foreign);
  const otherCa = await replicationConnect(primary, `host=localhost port=${primary.port} user=${ROLE} sslmode=verify-full sslrootcert=${join(certs, 'root.crt')} sslcert=${join(foreign, 'postgresql.crt')} sslkey=${join(foreign, 'postgresql.key')}`, home).catch((e: Error) => e.message);
  t.regex(otherCa, /certificate verify failed|unknown ca|certificate unknown/i);
  t.is(await primary.psql(STREAMING_SQL), row, 'the refusals left the standby streaming');

  // Each server presents the bundle's certificate and verifies under its names with verify-full.
  for (const c of [primary, standby]) {
    const verified = await runCli(['verify', '--connect', `host=localhost port=${c.port} user=${ROLE} dbname=postgres`, '--root-cert', join(bundle, 'server', 'root.crt'), '--cert', join(certs, 'postgresql.crt'), '--key', join(certs, 'postgresql.key')]);
    t.is(verified.code, 0, verified.stdout + verified.stderr);
  }
});

test.serial('two servers from one bundle: apply --server installs each one\'s certificate, which verifies under its own names only; the standby streams', async (t) => {
  const { primary, standby } = await primaryAndStandby(t);
  const { bundle, work } = await makeBundle(['--client-certs', 'cert', '--replication-user', ROLE, '--port', String(primary.port), '--server', 'db1=localhost,127.0.0.1', '--server', 'db2=standby.test']);
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const unnamed = await cli(['apply', bundle, '--pgdata', primary.dataDir]);
  t.is(unnamed.code, 2);
  t.regex(unnamed.stderr, /holds 2 servers \(db1, db2\): name the one this is with --server NAME/);
  const unknown = await cli(['apply', bundle, '--pgdata', primary.dataDir, '--server', 'db3']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /--server db3: the bundle's servers are db1, db2/);

  const applied = await cli(['apply', bundle, '--pgdata', primary.dataDir, '--server', 'db1']);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  await primary.psql(`CREATE ROLE ${ROLE} WITH REPLICATION LOGIN`);
  const certs = join(work, 'replication');
  await installReplicationFiles(bundle, ROLE, certs);
  const tls = `sslmode=verify-full sslrootcert=${join(certs, 'root.crt')} sslcert=${join(certs, 'postgresql.crt')} sslkey=${join(certs, 'postgresql.key')}`;
  await rm(standby.dataDir, { recursive: true, force: true });
  await asPostgres(join(primary.clientBin, 'pg_basebackup'), ['-D', standby.dataDir, '-R', '-X', 'stream', '-d', `host=localhost port=${primary.port} user=${ROLE} ${tls}`]);
  await standby.appendConf(`port = ${standby.port}\nunix_socket_directories = '${standby.socketDir}'`);
  await standby.start();
  const onStandby = await cli(['apply', bundle, '--pgdata', standby.dataDir, '--server', 'db2']);
  t.is(onStandby.code, 0, onStandby.stderr + onStandby.stdout);
  t.deepEqual(await readFile(join(standby.dataDir, 'server.crt')), await readFile(join(bundle, 'servers', 'db2', 'server.crt')));

  t.is(await until(() => primary.psql(STREAMING_SQL), (v) => v !== ''), `${ROLE}|t|/CN=${ROLE}`);
  // Each server answers verify-full under its own names, and not under the other's.
  const ask = (c: Cluster, host: string) =>
    run(join(c.clientBin, 'psql'), ['-XAtq', `host=${host} hostaddr=127.0.0.1 port=${c.port} user=${ROLE} dbname=postgres connect_timeout=5 ${tls}`, '-c', 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'], { env: { ...process.env, HOME: work } }).then(
      (r) => r.stdout.trim(),
      (e: { stderr?: string }) => String(e.stderr),
    );
  t.is(await ask(primary, 'localhost'), 't');
  t.is(await until(() => ask(standby, 'standby.test'), (v) => v === 't'), 't', 'the standby serves its own certificate after the reload');
  t.regex(await ask(standby, 'localhost'), /server certificate for "standby\.test" does not match host name "localhost"/);
  t.regex(await ask(primary, 'standby.test'), /server certificate for "localhost" \(and 1 other name\) does not match host name "standby\.test"/);
});

test.serial('under a password policy the replication rule is scram-sha-256 clientcert=verify-full: certificate and password both needed', async (t) => {
  const primary = await startCluster();
  t.teardown(() => primary.stop());
  const { bundle, work } = await makeBundle(['--client-certs', 'verify-full', '--replication-user', ROLE, '--port', String(primary.port)]);
  t.teardown(() => rm(work, { recursive: true, force: true }));
  t.regex(await readFile(join(bundle, 'conf', 'pg_hba.conf'), 'utf8'), /^hostssl\s+replication\s+replicator\s+127\.0\.0\.1\/32\s+scram-sha-256 clientcert=verify-full$/m);
  t.regex(await readFile(join(bundle, 'README.md'), 'utf8'), /\\password replicator/);
  const applied = await cli(['apply', bundle, '--pgdata', primary.dataDir]);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  await primary.psql(`CREATE ROLE ${ROLE} WITH REPLICATION LOGIN PASSWORD 'standby secret'`);
  const certs = join(work, 'replication');
  await installReplicationFiles(bundle, ROLE, certs);
  const home = join(work, 'empty-home');
  await mkdir(home);
  const base = `host=localhost port=${primary.port} user=${ROLE} sslmode=verify-full sslrootcert=${join(certs, 'root.crt')}`;
  const withCert = `${base} sslcert=${join(certs, 'postgresql.crt')} sslkey=${join(certs, 'postgresql.key')}`;
  t.regex(await replicationConnect(primary, withCert, home, 'standby secret'), /^\d+\|\d+\|/, 'IDENTIFY_SYSTEM answered: certificate and password accepted');
  t.regex(await replicationConnect(primary, withCert, home, 'wrong').catch((e: Error) => e.message), /password authentication failed for user "replicator"/);
  t.regex(await replicationConnect(primary, base, home, 'standby secret').catch((e: Error) => e.message), /connection requires a valid client certificate/);
});
