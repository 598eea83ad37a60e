/**
 * GSSAPI-encrypted connections (18.10) against a real MIT KDC and the
 * Debian PostgreSQL 15 server (built --with-gssapi): a bundle's rules,
 * keytab and settings, installed as its README says, give encrypted
 * sessions to principals of the realm and refuse plaintext.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, runCli } from '../helpers/cli.js';
import { asPostgres, givePostgres, startCluster, type Cluster } from '../helpers/cluster.js';
import { haveKdc, startKdc, type Kdc } from '../helpers/kdc.js';
import { installReplicationFiles, until } from './replication-helpers.js';

const run = promisify(execFile);
const PASSWORD = 'alice kerberos pw';
const ROLE_PASSWORD = 'alice scram pw';

async function generate(work: string, kdc: Kdc, extra: string[]): Promise<string> {
  const keytab = join(work, 'server.keytab');
  await kdc.keytab('postgres/localhost', keytab);
  const bundle = join(work, 'bundle');
  const args = ['generate', '--out', bundle, '--pg-version', '15', '--host', 'localhost', '--network', '127.0.0.1/32', '--pki', 'ca', '--client-certs', 'none', '-q'];
  const gen = await runCli([...args, '--krb-realm', kdc.realm, '--krb-keytab', keytab, ...extra]);
  if (gen.code !== 0) throw new Error(gen.stderr);
  return bundle;
}

/** Install the bundle by hand as its README says (server files, settings, rules), then start the server with the KDC's config. */
async function install(c: Cluster, bundle: string, kdc: Kdc): Promise<void> {
  for (const f of ['server.crt', 'server.key', 'root.crt', 'root.crl', 'krb5.keytab']) {
    const to = join(c.dataDir, f);
    await copyFile(join(bundle, 'server', f), to);
    await chmod(to, f.endsWith('.key') || f.endsWith('.keytab') ? 0o600 : 0o644);
    await givePostgres(to);
  }
  await copyFile(join(bundle, 'conf', 'pg-secure-setup.conf'), join(c.dataDir, 'pg-secure-setup.conf'));
  await copyFile(join(bundle, 'conf', 'pg_hba.conf'), join(c.dataDir, 'pg_hba.conf'));
  await c.appendConf("include 'pg-secure-setup.conf'");
  await asPostgres(join(c.bin, 'pg_ctl'), ['-D', c.dataDir, '-l', c.logFile, '-w', '-t', '30', 'start'], { env: kdc.env });
  await c.psql(`CREATE ROLE alice LOGIN PASSWORD '${ROLE_PASSWORD}'; CREATE ROLE bob LOGIN`);
}

/** psql over TCP to localhost (the name in the service principal); resolves to stdout, rejects with libpq's message. */
async function psql(c: Cluster, env: NodeJS.ProcessEnv, conninfo: string, sql: string): Promise<string> {
  const info = `host=localhost hostaddr=127.0.0.1 port=${c.port} dbname=postgres connect_timeout=5 ${conninfo}`;
  try {
    const { stdout } = await run(join(c.clientBin, 'psql'), ['-XAtq', info, '-c', sql], { env: { ...env, PGPASSWORD: ROLE_PASSWORD, HOME: env.KRB5_CONFIG ? join(env.KRB5_CONFIG, '..') : '/nonexistent' } });
    return stdout.trim();
  } catch (err) {
    throw new Error(String((err as { stderr?: string }).stderr ?? err));
  }
}

const GSS = 'SELECT encrypted, principal FROM pg_stat_gssapi WHERE pid = pg_backend_pid()';

const kdcTest = (await haveKdc()) ? test.serial : test.skip;

kdcTest('gssapi: a principal of the realm gets an encrypted session; plaintext, TLS and the wrong role are refused', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    const bundle = await generate(work, kdc, ['--transport', 'gssapi']);
    const hba = await readFile(join(bundle, 'conf', 'pg_hba.conf'), 'utf8');
    t.true(hba.indexOf('hostgssenc') < hba.indexOf('hostnossl'), 'GSS accept lines stand before the plaintext refusal');
    t.notRegex(hba, /^hostssl/m, 'gssapi alone: no TLS rule');
    t.regex(hba, /hostnossl matches GSS-encrypted connections too|also matches GSS-encrypted connections/);
    await install(c, bundle, kdc);
    await kdc.addUser('alice', PASSWORD);
    const alice = await kdc.kinit('alice', PASSWORD);
    t.is(await psql(c, alice, 'user=alice gssencmode=require', GSS), `t|alice@${kdc.realm}`);
    await t.throwsAsync(psql(c, alice, 'user=alice gssencmode=disable sslmode=disable', 'SELECT 1'), { message: /pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "alice", database "postgres", no encryption/ });
    await t.throwsAsync(psql(c, alice, 'user=alice gssencmode=disable sslmode=require', 'SELECT 1'), { message: /no pg_hba\.conf entry[^]*SSL encryption/ });
    await t.throwsAsync(psql(c, alice, 'user=bob gssencmode=require', 'SELECT 1'), { message: /GSSAPI authentication failed for user "bob"/ });
    const noTicket = { ...kdc.env, KRB5CCNAME: `FILE:${join(work, 'no-ticket')}` };
    await t.throwsAsync(psql(c, noTicket, 'user=alice gssencmode=require', 'SELECT 1'), { message: /GSSAPI encryption required but was impossible|credentials/ });
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});

kdcTest('both: GSS encryption with a ticket, TLS verify-full without one', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    const bundle = await generate(work, kdc, ['--transport', 'both']);
    const hba = await readFile(join(bundle, 'conf', 'pg_hba.conf'), 'utf8');
    t.true(hba.indexOf('\nhostgssenc') < hba.indexOf('\nhostnossl') && hba.indexOf('\nhostnossl') < hba.indexOf('\nhostssl'), 'GSS, then the refusal, then TLS');
    await install(c, bundle, kdc);
    await kdc.addUser('alice', PASSWORD);
    const alice = await kdc.kinit('alice', PASSWORD);
    // libpq's default gssencmode=prefer picks GSS first when it holds a ticket, even under sslmode=require.
    t.is(await psql(c, alice, `user=alice sslmode=require`, GSS), `t|alice@${kdc.realm}`);
    const noTicket = { ...kdc.env, KRB5CCNAME: `FILE:${join(work, 'no-ticket')}` };
    const tls = `user=alice sslmode=verify-full sslrootcert=${join(bundle, 'server', 'root.crt')}`;
    t.is(await psql(c, noTicket, tls, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'), 't');
    await t.throwsAsync(psql(c, noTicket, 'user=alice gssencmode=disable sslmode=disable', 'SELECT 1'), { message: /no encryption/ });
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});

kdcTest('--gss-map: only the listed principal logs in as the role it names', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    const bundle = await generate(work, kdc, ['--transport', 'gssapi', '--gss-map', `carol@${'TEST.PGSS'}=alice`]);
    t.regex(await readFile(join(bundle, 'conf', 'pg_ident.conf'), 'utf8'), /^pg-secure-setup\s+carol@TEST\.PGSS\s+alice$/m);
    await copyFile(join(bundle, 'conf', 'pg_ident.conf'), join(c.dataDir, 'pg_ident.conf'));
    await install(c, bundle, kdc);
    await kdc.addUser('carol', PASSWORD);
    await kdc.addUser('alice', PASSWORD);
    const carol = await kdc.kinit('carol', PASSWORD);
    t.is(await psql(c, carol, 'user=alice gssencmode=require', GSS), `t|carol@${kdc.realm}`);
    const alice = await kdc.kinit('alice', PASSWORD);
    await t.throwsAsync(psql(c, alice, 'user=alice gssencmode=require', 'SELECT 1'), { message: /GSSAPI authentication failed for user "alice"/ }, 'a principal not in the map');
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});

kdcTest('apply.sh installs a --gss-map bundle, keytab and map: the mapped principal logs in, one outside the map is refused', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    const bundle = await generate(work, kdc, ['--transport', 'gssapi', '--gss-map', 'carol@TEST.PGSS=alice']);
    const { stdout } = await run('sh', [join(bundle, 'apply.sh'), c.dataDir]);
    t.regex(stdout, /User name map \(pg_ident\.conf\)/);
    await asPostgres(join(c.bin, 'pg_ctl'), ['-D', c.dataDir, '-l', c.logFile, '-w', '-t', '30', 'start'], { env: kdc.env });
    await c.psql('CREATE ROLE alice LOGIN');
    await kdc.addUser('carol', PASSWORD);
    await kdc.addUser('alice', PASSWORD);
    t.is(await psql(c, await kdc.kinit('carol', PASSWORD), 'user=alice gssencmode=require', GSS), 't|carol@TEST.PGSS');
    await t.throwsAsync(psql(c, await kdc.kinit('alice', PASSWORD), 'user=alice gssencmode=require', 'SELECT 1'), { message: /GSSAPI authentication failed for user "alice"/ });
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});

kdcTest('apply installs a gssapi bundle (keytab 0600 owned by the server user); audit then finds nothing high', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    const bundle = await generate(work, kdc, ['--transport', 'gssapi']);
    await asPostgres(join(c.bin, 'pg_ctl'), ['-D', c.dataDir, '-l', c.logFile, '-w', '-t', '30', 'start'], { env: kdc.env });
    await c.psql('CREATE ROLE alice LOGIN');
    const r = await runCli(['apply', bundle, '--pgdata', c.dataDir], { timeout: 120_000 });
    t.is(r.code, 0, r.stderr + r.stdout);
    const { stdout: st } = await run('stat', ['-c', '%a %U', join(c.dataDir, 'krb5.keytab')]);
    t.is(st.trim(), '600 postgres');
    await kdc.addUser('alice', PASSWORD);
    const alice = await kdc.kinit('alice', PASSWORD);
    t.is(await psql(c, alice, 'user=alice gssencmode=require', GSS), `t|alice@${kdc.realm}`);
    await t.throwsAsync(psql(c, alice, 'user=alice gssencmode=disable sslmode=disable', 'SELECT 1'), { message: /rejects connection[^]*no encryption/ });
    const files = JSON.parse((await runCli(['audit', '--pgdata', c.dataDir, '--json'])).stdout) as { summary: Record<string, number> };
    t.is(files.summary.high, 0);
    t.is(files.summary.medium, 0);
    // A GSS-encrypted session is open while the live audit runs: it counts as encrypted.
    const held = spawn(join(c.clientBin, 'psql'), ['-XAtq', `host=localhost hostaddr=127.0.0.1 port=${c.port} dbname=postgres user=alice gssencmode=require`, '-c', 'SELECT pg_sleep(30)'], { env: alice, stdio: 'ignore' });
    try {
      let open = '';
      for (let i = 0; i < 100 && open !== '1'; i++) open = await c.psql('SELECT count(*) FROM pg_stat_gssapi WHERE encrypted AND pid <> pg_backend_pid()');
      t.is(open, '1', 'the GSS session is open');
      const live = await asPostgres(process.execPath, [BIN, 'audit', '--json'], { env: { PGHOST: c.socketDir, PGPORT: String(c.port), PGUSER: 'postgres', PGDATABASE: 'postgres', NO_COLOR: '1' } }).catch((e: { stdout: string }) => e);
      const report = JSON.parse(live.stdout) as { findings: { id: string; severity: string }[] };
      t.deepEqual(report.findings.filter((f) => f.severity === 'high').map((f) => f.id), []);
      t.false(report.findings.some((f) => f.id === 'non-ssl-connections'), 'the GSS-encrypted session is not reported as plaintext');
    } finally {
      held.kill();
    }
    // A keytab others can read is found, from the files and live.
    await chmod(join(c.dataDir, 'krb5.keytab'), 0o644);
    const loose = JSON.parse((await runCli(['audit', '--pgdata', c.dataDir, '--json'])).stdout) as { findings: { id: string; severity: string; evidence: string }[] };
    const found = loose.findings.find((f) => f.id === 'keytab-file-mode');
    t.is(found?.severity, 'high');
    t.regex(found?.evidence ?? '', /krb5\.keytab: mode 0644/);
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});

kdcTest('verify --gss: passes on a gssapi bundle with a ticket, fails with the reason without one', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    const bundle = await generate(work, kdc, ['--transport', 'gssapi']);
    await install(c, bundle, kdc);
    await kdc.addUser('alice', PASSWORD);
    const alice = await kdc.kinit('alice', PASSWORD);
    const connect = `host=localhost hostaddr=127.0.0.1 port=${c.port} user=alice dbname=postgres`;
    const ok = await runCli(['verify', '--gss', '--connect', connect], { env: alice });
    t.is(ok.code, 0, ok.stdout + ok.stderr);
    t.regex(ok.stdout, /ok +GSSAPI-encrypted session +gssencmode=require: pg_stat_gssapi\.encrypted = t, principal alice@TEST\.PGSS/);
    t.regex(ok.stdout, /ok +plaintext refused +gssencmode=disable sslmode=disable: refused by pg_hba\.conf/);
    const noTicket = await runCli(['verify', '--gss', '--connect', connect], { env: { ...kdc.env, KRB5CCNAME: `FILE:${join(work, 'none')}` } });
    t.is(noTicket.code, 1);
    t.regex(noTicket.stdout, /FAIL +GSSAPI-encrypted session +[^\n]*GSSAPI encryption required but was impossible[^]*fix: Get a ticket \(kinit PRINCIPAL\)/);
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});

kdcTest('apply installs --gss-map lines into pg_ident.conf in a marked block, keeping the other bytes; a second apply changes nothing', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    const bundle = await generate(work, kdc, ['--transport', 'gssapi', '--gss-map', 'carol@TEST.PGSS=alice']);
    const identPath = join(c.dataDir, 'pg_ident.conf');
    const before = Buffer.concat([await readFile(identPath), Buffer.from('# caf\xe9 (Latin-1)\nlocalmap  bob  bob\n', 'latin1')]);
    await writeFile(identPath, before);
    await asPostgres(join(c.bin, 'pg_ctl'), ['-D', c.dataDir, '-l', c.logFile, '-w', '-t', '30', 'start'], { env: kdc.env });
    await c.psql('CREATE ROLE alice LOGIN');
    const r = await runCli(['apply', bundle, '--pgdata', c.dataDir], { timeout: 120_000 });
    t.is(r.code, 0, r.stderr + r.stdout);
    const after = await readFile(identPath);
    t.true(after.subarray(0, before.length).equals(before), 'the existing bytes stay as they were');
    t.regex(after.toString('latin1').slice(before.length), /^# BEGIN pg-secure-setup user name map \(pg-secure-setup\)\npg-secure-setup {2}carol@TEST\.PGSS {2}alice\n# END pg-secure-setup user name map/);
    await kdc.addUser('carol', PASSWORD);
    await kdc.addUser('alice', PASSWORD);
    t.is(await psql(c, await kdc.kinit('carol', PASSWORD), 'user=alice gssencmode=require', GSS), 't|carol@TEST.PGSS');
    await t.throwsAsync(psql(c, await kdc.kinit('alice', PASSWORD), 'user=alice gssencmode=require', 'SELECT 1'), { message: /GSSAPI authentication failed for user "alice"/ });
    const again = await runCli(['apply', bundle, '--pgdata', c.dataDir], { timeout: 120_000 });
    t.is(again.code, 0, again.stderr);
    t.regex(again.stdout, /Nothing to change/);
    const back = await runCli(['rollback', '--pgdata', c.dataDir], { timeout: 120_000 });
    t.is(back.code, 0, back.stderr);
    t.true((await readFile(identPath)).equals(before), 'rollback puts pg_ident.conf back');
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});

kdcTest('a principal of another realm than the bundle names is refused (krb_realm)', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    // The server's key comes from the KDC's realm; the bundle accepts only principals of OTHER.PGSS.
    const keytab = join(work, 'server.keytab');
    await kdc.keytab('postgres/localhost', keytab);
    const bundle = join(work, 'bundle');
    const gen = await runCli(['generate', '--out', bundle, '--pg-version', '15', '--host', 'localhost', '--network', '127.0.0.1/32', '--pki', 'ca', '--client-certs', 'none', '-q', '--transport', 'gssapi', '--krb-realm', 'OTHER.PGSS', '--krb-keytab', keytab]);
    t.is(gen.code, 0, gen.stderr);
    await install(c, bundle, kdc);
    await kdc.addUser('alice', PASSWORD);
    const alice = await kdc.kinit('alice', PASSWORD);
    await t.throwsAsync(psql(c, alice, 'user=alice gssencmode=require', 'SELECT 1'), { message: /GSSAPI authentication failed for user "alice"/ });
    // The same principal gets in under a bundle for its own realm (the first test): krb_realm made the difference.
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});

kdcTest('both with a replication role: replicator with a ticket is refused over GSS; the README\'s conninfo (gssencmode=disable) replicates over TLS with its certificate', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-'));
  await chmod(work, 0o755);
  const [kdc, c] = await Promise.all([startKdc(), startCluster({ start: false })]);
  try {
    const bundle = await generate(work, kdc, ['--transport', 'both', '--client-certs', 'cert', '--replication-user', 'replicator']);
    await c.appendConf('log_connections = on');
    await install(c, bundle, kdc);
    await c.psql('CREATE ROLE replicator WITH REPLICATION LOGIN');
    await kdc.addUser('replicator', PASSWORD);
    const ticket = await kdc.kinit('replicator', PASSWORD);
    const log = async (from: number, what: RegExp) => (await until(async () => (await readFile(c.logFile, 'utf8')).slice(from), (v) => what.test(v), 10_000));
    const logSize = async () => (await readFile(c.logFile, 'utf8')).length;

    // A ticket for replicator@REALM and GSS asked for: the role's hostgssenc refusal answers.
    await t.throwsAsync(psql(c, ticket, 'replication=true user=replicator gssencmode=require', 'IDENTIFY_SYSTEM'), {
      message: /pg_hba\.conf rejects replication connection for host "127\.0\.0\.1", user "replicator", GSS encryption/,
    });

    // The README's connection string, with the files where this test keeps them, from a process holding the ticket.
    const conninfo = /pg_basebackup -D \S+ -R -X stream -d '([^']+)'/.exec(await readFile(join(bundle, 'README.md'), 'utf8'))?.[1] ?? '';
    t.regex(conninfo, / gssencmode=disable$/);
    const certs = join(work, 'replication');
    await installReplicationFiles(bundle, 'replicator', certs);
    const dial = conninfo.replaceAll('/var/lib/postgresql/replication', certs).replace(/port=\d+/, `port=${c.port}`);
    let from = await logSize();
    t.regex(await psql(c, ticket, `replication=true ${dial}`, 'IDENTIFY_SYSTEM'), /^\d+\|1\|/);
    const seen = await log(from, /replication connection authorized: user=replicator.*SSL enabled/);
    t.regex(seen, /replication connection authorized: user=replicator.*SSL enabled/, 'admitted over TLS');
    t.notRegex(seen, /GSS/, 'no GSS attempt first');

    // pg_basebackup -R with that string writes it as primary_conninfo, gssencmode=disable included.
    const backup = join(work, 'standby');
    await run(join(c.clientBin, 'pg_basebackup'), ['-D', backup, '-R', '-X', 'stream', '-d', `hostaddr=127.0.0.1 connect_timeout=5 ${dial}`], { env: { ...ticket, HOME: work } });
    t.regex(await readFile(join(backup, 'postgresql.auto.conf'), 'utf8'), /primary_conninfo = '.*sslmode=''verify-full''.*gssencmode=disable /);

    // Measured: libpq's default prefer also ends on TLS, retrying without GSS after the refusal, which the primary logs each time.
    from = await logSize();
    t.regex(await psql(c, ticket, `replication=true ${dial.replace(' gssencmode=disable', '')}`, 'IDENTIFY_SYSTEM'), /^\d+\|1\|/);
    t.regex(await log(from, /SSL enabled/), /rejects replication connection for host "127\.0\.0\.1", user "replicator", GSS encryption[^]*replication connection authorized: user=replicator.*SSL enabled/);

    // Without the refusal line the ticket alone would replicate, past the role's TLS rules: the line is what closes it.
    const hbaPath = join(c.dataDir, 'pg_hba.conf');
    await writeFile(hbaPath, (await readFile(hbaPath, 'utf8')).replace(/^hostgssenc\s+replication\s+replicator\s+all\s+reject$/m, ''));
    await c.psql('SELECT pg_reload_conf()');
    const open = await until(() => psql(c, ticket, 'replication=true user=replicator gssencmode=require', 'IDENTIFY_SYSTEM'), (v) => /^\d+\|1\|/.test(v));
    t.regex(open, /^\d+\|1\|/);
  } finally {
    await c.stop();
    await kdc.stop();
    await rm(work, { recursive: true, force: true });
  }
});
