/**
 * End to end on a real PostgreSQL 15: what apply does with the trust and
 * password rules it finds (initdb's defaults), that nobody is locked out
 * (checked before any change), and that the project's own audit agrees
 * with the result. Other OS users are played by `nobody` (runuser).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import { DBADMIN_PASSWORD, startCluster, type Cluster } from '../helpers/cluster.js';
import { startDebianCluster } from '../helpers/debian-cluster.js';
import { addAlice, cli, makeBundle, setUp, snapshot, tearDown, type Setup } from './apply-helpers.js';

const run = promisify(execFile);

/** psql over the socket as an OS user, never asking for a password (-w); stdout, or the server's refusal. */
async function psqlAs(osUser: string, c: Cluster, role: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { PGPASSWORD: _drop, ...rest } = process.env;
  try {
    const { stdout } = await run('runuser', ['-u', osUser, '--', join(c.bin, 'psql'), '-XAtqw', '-h', c.socketDir, '-p', String(c.port), '-U', role, '-d', 'postgres', '-c', 'SELECT current_user'], { env: { ...rest, ...env } });
    return stdout.trim();
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err).trim();
  }
}

/** The project's audit over the socket as the server's OS user (a live audit), as JSON. */
async function liveAudit(c: Cluster): Promise<{ code: number; findings: { id: string; severity: string; evidence: string }[]; raw: string }> {
  const args = [process.execPath, BIN, 'audit', '--connect', `host=${c.socketDir} port=${c.port} dbname=postgres`, '--json'];
  const r = await run('runuser', ['-u', 'postgres', '--', ...args], { env: { ...process.env, NO_COLOR: '1' } }).then(
    (x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  const report = JSON.parse(r.stdout || '{"findings":[]}') as { findings: { id: string; severity: string; evidence: string }[] };
  return { code: r.code, findings: report.findings, raw: r.stdout + r.stderr };
}

/** A bundle for clients from 10.0.0.0/8 only, so none of its rules shadows the server's loopback ones. */
async function networkBundle(): Promise<{ work: string; bundle: string }> {
  const work = await mkdtemp(join(tmpdir(), 'pgss-trust-'));
  await chmod(work, 0o755);
  const bundle = join(work, 'bundle');
  const gen = await runCli(['generate', '--out', bundle, '--pg-version', '15', '--pki', 'ca', '--client-certs', 'verify-full', '--client-user', 'alice', '--host', 'db.example.test', '--network', '10.0.0.0/8', '-q']);
  if (gen.code !== 0) throw new Error(`generate failed: ${gen.stderr}`);
  return { work, bundle };
}

/** A cluster with alice (SCRAM password) and a 10.0.0.0/8 bundle. */
async function trustSetUp<C extends Cluster>(start: () => Promise<C>): Promise<Setup<C>> {
  const [{ work, bundle }, c] = await Promise.all([networkBundle(), start()]);
  await addAlice(c);
  return { c, work, bundle };
}

async function trustScenario(t: import('ava').ExecutionContext, s: Setup, hbaFile: string, where: string[]): Promise<void> {
  const { c, bundle } = s;
  await c.psql('CREATE ROLE app LOGIN'); // no password: trust was its only way in
  t.is(await psqlAs('nobody', c, 'alice'), 'alice', 'before: any OS user gets in as alice without a password');

  const dry = await cli(['apply', bundle, ...where, '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, /^-local +all +all +trust$/m);
  t.regex(dry.stdout, /^\+local +all +all +peer$/m);
  t.regex(dry.stdout, /^\+host +all +all +::1\/128 +scram-sha-256$/m);
  t.regex(dry.stdout, /^\+host +replication +all +::1\/128 +scram-sha-256$/m);

  const r = await cli(['apply', bundle, ...where]);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /closed \(--keep-trust keeps them\):\n {2}line \d+: local +all +all +trust {2}\(trust -> peer\)/);
  t.regex(r.stdout, /Superusers who can still log in afterwards: postgres over the Unix socket with peer, as the OS user postgres/);
  t.regex(r.stderr, /Warning: these roles would have no way to log in after this apply:\n {2}app: it has no password[^\n]*fix: pg-secure-setup set-password app/);
  t.notRegex(r.stdout + r.stderr, /error:/, 'nothing is called an error by an apply that succeeds');
  t.notRegex(await readFile(hbaFile, 'utf8'), /^[^#\n]*\btrust\b/m, 'no trust record is left');

  t.is(await c.psql('SELECT current_user'), 'postgres', 'the administrator still gets in over the socket (peer)');
  t.regex(await psqlAs('nobody', c, 'alice'), /FATAL: {2}Peer authentication failed for user "alice"/);
  t.regex(await psqlAs('nobody', c, 'postgres'), /FATAL: {2}Peer authentication failed for user "postgres"/);
  const audit = await liveAudit(c);
  t.is(audit.code, 0, audit.raw);
  t.deepEqual(audit.findings, [], 'the live audit finds nothing at all');
}

test('initdb defaults (trust): apply closes trust, the administrator keeps peer, nobody else gets in, audit is clean', async (t) => {
  const s = await trustSetUp(() => startCluster({ auth: 'trust' }));
  try {
    await trustScenario(t, s, join(s.c.dataDir, 'pg_hba.conf'), ['--pgdata', s.c.dataDir]);
    const files = await cli(['audit', '--pgdata', s.c.dataDir]);
    t.is(files.code, 0, files.stdout);
    t.regex(files.stdout, /: 0 high, 0 medium, 0 low, \d+ info \(profile default\)$/m);
    t.regex(files.stdout, /\[live-checks-skipped\]/);
  } finally {
    await tearDown(s);
  }
});

test('Debian layout with trust rules: the same', async (t) => {
  const s = await trustSetUp(() => startDebianCluster({ auth: 'trust' }));
  try {
    await trustScenario(t, s, join(s.c.configDir, 'pg_hba.conf'), ['--pgdata', s.c.dataDir, '--config-dir', s.c.configDir]);
  } finally {
    await tearDown(s);
  }
});

test('--keep-trust keeps the trust rules, says what stays open, and audit reports them', async (t) => {
  const s = await setUp(() => startCluster({ auth: 'trust' }));
  try {
    const { c, bundle } = s;
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--keep-trust']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /Warning: these rules of the new \S+pg_hba\.conf stay open \(--keep-trust\):\n {2}line \d+: local +all +all +trust {2}\(any OS user who can reach the socket, as any role it names\)/);
    t.regex(r.stderr, /host +all +all +::1\/128 +trust {2}\(anyone who reaches it, without a password\)/);
    t.regex(r.stdout, /Note: the bundle's local rule is not added: .* with --keep-trust line \d+ \(local +all +all +trust\), line \d+ \(local +replication +all +trust\) still let any OS user who can reach the socket in without a password/);
    t.regex(await readFile(join(c.dataDir, 'pg_hba.conf'), 'utf8'), /^local +all +all +trust$/m);
    t.is(await psqlAs('nobody', c, 'alice'), 'alice', 'the socket stays open to every OS user');
    const audit = await liveAudit(c);
    t.is(audit.code, 1);
    t.like(audit.findings.find((f) => f.id === 'hba-trust-local'), { severity: 'high' });
    t.like(audit.findings.find((f) => f.id === 'hba-trust-network'), { severity: 'high' });
  } finally {
    await tearDown(s);
  }
});

test('initdb -U dbadmin --auth=md5 + --md5-to-scram: refused with nothing changed until dbadmin has a SCRAM secret', async (t) => {
  const [c, { work, bundle }] = await Promise.all([startCluster({ auth: 'md5-dbadmin' }), makeBundle()]);
  try {
    const conninfo = `host=${c.socketDir} port=${c.port} user=dbadmin dbname=postgres`;
    const apply = (password: string, ...extra: string[]): Promise<CliResult> => runCli(['apply', bundle, '--md5-to-scram', ...extra], { timeout: 120_000, env: { PGPASSWORD: password } });
    const before = await snapshot([c.dataDir]);

    const refused = await apply(DBADMIN_PASSWORD, '--connect', conninfo);
    t.is(refused.code, 2, refused.stdout + refused.stderr);
    t.regex(refused.stderr, /no superuser could log in, so nothing was changed:\n {2}dbadmin: its password is stored as an md5 hash/);
    t.regex(refused.stderr, /fix: pg-secure-setup set-password dbadmin/);
    t.deepEqual(await snapshot([c.dataDir]), before, 'every file byte-identical, no backup made');

    // Without a connection apply cannot see the roles; the file takes ways in away, so it refuses too.
    const blind = await apply('', '--pgdata', c.dataDir);
    t.is(blind.code, 2, blind.stdout + blind.stderr);
    t.regex(blind.stderr, /could not check which roles can still log in after the change \(the server asks a password of role "postgres" over its socket\).*nothing was changed.*--connect/s);
    t.deepEqual(await snapshot([c.dataDir]), before);

    const newPassword = 'dbadmin scram secret';
    const set = await runCli(['set-password', 'dbadmin', '--password-stdin', '--connect', conninfo], { input: newPassword, env: { PGPASSWORD: DBADMIN_PASSWORD } });
    t.is(set.code, 0, set.stderr);
    const applied = await apply(newPassword, '--connect', conninfo);
    t.is(applied.code, 0, applied.stdout + applied.stderr);
    t.regex(applied.stdout, /Superusers who can still log in afterwards: dbadmin over the Unix socket with its SCRAM password/);
    t.notRegex(await readFile(join(c.dataDir, 'pg_hba.conf'), 'utf8'), /^[^#\n]*\bmd5\b/m);
    t.is(await psqlAs('postgres', c, 'dbadmin', { PGPASSWORD: newPassword }), 'dbadmin', 'dbadmin logs in after the apply');
    t.regex(await psqlAs('postgres', c, 'dbadmin', { PGPASSWORD: DBADMIN_PASSWORD }), /password authentication failed for user "dbadmin"/);
  } finally {
    await c.stop();
    await run('rm', ['-rf', work]);
  }
});

test('a role with an md5 password (password_encryption = md5, as 12/13 default): listed with its set-password command', async (t) => {
  const s = await setUp(() => startCluster({ settings: { password_encryption: 'md5' } }));
  try {
    const { c, bundle } = s;
    await c.psql("CREATE ROLE carol LOGIN PASSWORD 'carol secret'");
    t.regex(await c.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'carol'"), /^md5/);
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(r.code, 0, r.stderr);
    // alice's password was set under the same md5 default: she is listed too, in name order.
    t.regex(r.stderr, /Warning: these roles would have no way to log in after this apply:\n {2}alice: its password is stored as an md5 hash[^\n]*\n {2}carol: its password is stored as an md5 hash, which scram-sha-256 rules refuse \(20\.5\); fix: pg-secure-setup set-password carol/);
    t.notRegex(r.stderr, /postgres:/, 'postgres keeps peer: not listed');
    t.notRegex(r.stdout + r.stderr, /error:/);
  } finally {
    await tearDown(s);
  }
});
