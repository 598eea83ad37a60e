/**
 * `pg-secure-setup audit` against real PostgreSQL 15, through the built CLI:
 * a server seeded with every problem fails with each finding; after the
 * migration in the manual's order, generate and apply, it is clean.
 */
import test from 'ava';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditReport, Finding } from '../../src/audit/index.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const PASSWORD = 'correct horse battery staple';

interface Audit extends CliResult {
  report: AuditReport;
  ids: string[];
}

async function audit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Audit> {
  const r = await runCli(['audit', '--json', ...args], { env });
  let report: AuditReport;
  try {
    report = JSON.parse(r.stdout) as AuditReport;
  } catch {
    throw new Error(`audit printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
  return { ...r, report, ids: report.findings.map((f) => f.id) };
}

const byId = (a: Audit, id: string): Finding => {
  const f = a.report.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no ${id} finding in ${a.ids.join(', ')}`);
  return f;
};
const needingAction = (a: Audit) => a.report.findings.filter((f) => f.severity !== 'info');

async function waitFor(c: Cluster, sql: string, want: string): Promise<void> {
  for (let i = 0; i < 50 && (await c.psql(sql)) !== want; i++) await new Promise((r) => setTimeout(r, 100));
}

test('md5 roles, trust and ssl off: each finding, exit 1; after the migration, generate and apply: clean, exit 0', async (t) => {
  const c = await startCluster({ settings: { password_encryption: 'md5' } });
  const work = await mkdtemp(join(tmpdir(), 'pgss-audit-'));
  await chmod(work, 0o755);
  try {
    await c.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'; CREATE ROLE m1 LOGIN PASSWORD '${PASSWORD}'; CREATE ROLE m2 LOGIN PASSWORD '${PASSWORD}'`);
    // initdb's own rules stay, `host replication` lines included: the bundle refuses
    // plaintext replication too, since `all` does not cover it (20.1).
    const hba = await readFile(join(c.dataDir, 'pg_hba.conf'), 'utf8');
    await c.writeDataFile('pg_hba.conf', `host all all 127.0.0.1/32 trust\nhost all all ::1/128 md5\n${hba}`);
    await c.reload();
    const plain = `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=disable`;

    const before = await audit(['--connect', plain]);
    t.is(before.code, 1, before.stderr);
    for (const id of ['ssl-off', 'hba-trust-network', 'hba-plaintext-allowed', 'hba-md5-network', 'password-encryption', 'md5-roles', 'non-ssl-connections']) {
      t.true(before.ids.includes(id), `${id} in ${before.ids.join(', ')}`);
    }
    t.deepEqual(before.report.server.md5Roles, ['m1', 'm2', 'postgres']);
    t.regex(byId(before, 'md5-roles').evidence, /m1, m2, postgres/);
    t.regex(byId(before, 'hba-trust-network').evidence, /pg_hba\.conf:1: host all all 127\.0\.0\.1\/32 trust/);
    t.regex(byId(before, 'non-ssl-connections').evidence, /this audit's own connection/);
    t.is(byId(before, 'ssl-off').severity, 'high');
    t.deepEqual(Object.keys(before.report), ['server', 'findings', 'summary', 'profile']);
    t.true(before.report.summary.high >= 3);

    // Migration step 1 (20.5): password_encryption first; the md5 rules stay for now.
    await c.psql("ALTER SYSTEM SET password_encryption = 'scram-sha-256'");
    await c.reload();
    const step1 = await audit(['--connect', plain]);
    t.false(step1.ids.includes('password-encryption'));
    t.regex(byId(step1, 'md5-roles').fix, /already scram-sha-256.*set-password ROLE .*for m1, m2, postgres/s);

    // Step 2: every md5 role gets a SCRAM secret computed on the client.
    for (const role of ['m1', 'm2', 'postgres']) {
      const r = await runCli(['set-password', role, '--password-stdin', '--connect', plain], { input: PASSWORD });
      t.is(r.code, 0, r.stderr);
    }
    const step2 = await audit(['--connect', plain]);
    t.false(step2.ids.includes('md5-roles'));
    t.deepEqual(step2.report.server.md5Roles, []);
    t.regex(byId(step2, 'hba-md5-network').fix, /No role stores an MD5 password any more: pg-secure-setup apply BUNDLE --pgdata DATA_DIR --md5-to-scram/);

    // Step 3: generate and apply, md5 rules rewritten now that no role needs them.
    const bundle = join(work, 'bundle');
    const gen = await runCli(['generate', '--out', bundle, '--pg-version', '15', '--pki', 'ca', '--client-certs', 'verify-full', '--client-user', 'postgres', '--client-user', 'm1', '--host', 'localhost', '--host', '127.0.0.1', '--network', '127.0.0.1/32', '-q']);
    t.is(gen.code, 0, gen.stderr);
    const applied = await runCli(['apply', bundle, '--pgdata', c.dataDir, '--md5-to-scram', '-q'], { timeout: 120_000 });
    t.is(applied.code, 0, applied.stderr + applied.stdout);
    await waitFor(c, 'SHOW ssl', 'on');

    const dir = join(bundle, 'clients', 'postgres');
    const tls = `host=localhost hostaddr=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=verify-full sslrootcert=${dir}/root.crt sslcert=${dir}/postgresql.crt sslkey=${dir}/postgresql.key`;
    const after = await audit(['--connect', tls, '--host', 'localhost', '--host', '127.0.0.1'], { PGPASSWORD: PASSWORD });
    t.deepEqual(needingAction(after), [], after.stdout);
    t.is(after.code, 0, after.stderr);
    const server = after.report.server as Record<string, any>;
    t.is(server.settings.ssl, 'on');
    t.is(server.settings.password_encryption, 'scram-sha-256');
    t.deepEqual(server.md5Roles, []);
    t.deepEqual(server.nonSslConnections, []);
    t.is(server.certificate.source, 'file');
    t.deepEqual(server.certificate.dnsNames, ['localhost']);
    t.is(server.keyFile.mode, 0o600);
    t.true(server.keyFile.matchesCertificate);
    t.is(server.hba.from, 'file');
    // apply closed the old trust line (now scram-sha-256); it stays below rules that take every connection it could: info only.
    t.regex(byId(after, 'hba-shadowed').evidence, /127\.0\.0\.1\/32 scram-sha-256 --/);

    // The readable report says the same, exit 0.
    const text = await runCli(['audit', '--connect', tls, '--host', 'localhost'], { env: { PGPASSWORD: PASSWORD } });
    t.is(text.code, 0, text.stdout);
    t.regex(text.stdout, /Clean: no finding needs action\./);
    t.notRegex(text.stdout, /\u001B\[/);

    // Expecting client certificates everywhere: initdb's ::1 rules let TLS clients in with a password alone.
    const strict = await audit(['--connect', tls, '--client-certs', 'verify-full'], { PGPASSWORD: PASSWORD });
    t.is(strict.code, 1);
    t.true(strict.report.findings.filter((f) => f.id === 'hba-clientcert-missing').every((f) => /::1\/128/.test(f.evidence)));
    t.true(strict.ids.includes('hba-clientcert-missing'));

    // A role that may not read the server's files: the certificate comes from the TLS handshake.
    const m1 = join(bundle, 'clients', 'm1');
    const asM1 = await audit(['--connect', `host=localhost hostaddr=127.0.0.1 port=${c.port} user=m1 dbname=postgres sslmode=verify-full sslrootcert=${m1}/root.crt sslcert=${m1}/postgresql.crt sslkey=${m1}/postgresql.key`], { PGPASSWORD: PASSWORD });
    t.deepEqual(asM1.report.findings.filter((f) => f.severity !== 'info').map((f) => f.id), ['not-superuser'], asM1.stderr);
    const m1Server = asM1.report.server as Record<string, any>;
    t.is(m1Server.certificate.source, 'tls');
    t.deepEqual(m1Server.certificate.dnsNames, ['localhost']);
    t.is(m1Server.keyFile, undefined);

    // The files alone agree: nothing that needs action.
    const files = await audit(['--pgdata', c.dataDir, '--host', 'localhost']);
    t.deepEqual(needingAction(files), [], files.stdout);
    t.is(files.code, 0);
    t.true(files.ids.includes('live-checks-skipped'));
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
});

test('not a superuser: what it cannot see is a finding of its own, not a crash', async (t) => {
  const c = await startCluster();
  try {
    await c.psql(`CREATE ROLE aud LOGIN PASSWORD '${PASSWORD}'`);
    const conn = `host=127.0.0.1 port=${c.port} user=aud dbname=postgres sslmode=disable`;
    const r = await audit(['--connect', conn], { PGPASSWORD: PASSWORD });
    t.is(r.code, 1, r.stderr);
    t.true(r.ids.includes('not-superuser'));
    t.false(r.ids.includes('md5-roles'));
    const f = byId(r, 'not-superuser');
    t.is(f.severity, 'low');
    t.regex(f.title, /"aud", not a superuser/);
    t.regex(f.evidence, /pg_authid/);
    t.regex(f.evidence, /ssl_min_protocol_version is hidden/);
    t.regex(f.evidence, /other sessions' TLS state is hidden/);
    t.is(r.report.server.isSuperuser, false);
    t.is(r.report.server.md5Roles, undefined);
    // What pg_settings shows every role is still judged.
    t.true(r.ids.includes('ssl-off'));

    // On the server machine the files fill the gap: pg_hba.conf from --config-dir.
    const withFiles = await audit(['--connect', conn, '--config-dir', c.dataDir], { PGPASSWORD: PASSWORD });
    t.deepEqual((withFiles.report.server as Record<string, any>).hba, { path: join(c.dataDir, 'pg_hba.conf'), from: 'file' });
    t.true(withFiles.ids.includes('hba-plaintext-allowed'));

    // A wrong password is an error (2), with the server's reason.
    const bad = await runCli(['audit', '--connect', conn], { env: { PGPASSWORD: 'wrong' } });
    t.is(bad.code, 2);
    t.regex(bad.stderr, /password authentication failed for user "aud"/);
    t.is(bad.stdout, '');
  } finally {
    await c.stop();
  }
});

test('pg_hba.conf rebuilt from pg_hba_file_rules keeps line numbers and the lines the server cannot read', async (t) => {
  const c = await startCluster();
  try {
    await c.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'`);
    await c.writeDataFile(
      'pg_hba.conf',
      [
        '# comment',
        'local all all peer',
        '',
        'host all all 127.0.0.1/32 scram-sha-256',
        'hostssl "my db" +admins 10.0.0.0/8 scram-sha-256 clientcert=verify-full',
        'hostssl all all 10.1.0.0/16 scram-sha-256 clientcert=1',
        'host all all 10.2.0.0/33 md5',
        'host all all db.example.com trust',
        '',
      ].join('\n'),
    );
    const { connect } = await import('../../src/pg/server.js');
    const { hbaFromView } = await import('../../src/audit/queries.js');
    const s = await connect({ connect: `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=disable password='${PASSWORD}'` });
    try {
      const view = await hbaFromView(s);
      const lines = view.text.split('\n');
      t.regex(lines[1]!, /^local\s+all\s+all\s+peer$/);
      t.regex(lines[3]!, /^host\s+all\s+all\s+127\.0\.0\.1 255\.255\.255\.255\s+scram-sha-256$/);
      t.regex(lines[4]!, /^hostssl\s+"my db"\s+\+admins\s+10\.0\.0\.0 255\.0\.0\.0\s+scram-sha-256 clientcert=verify-full$/);
      t.regex(lines[7]!, /^host\s+all\s+all\s+db\.example\.com\s+trust$/);
      // Line 5 loads with a warning (hostssl while ssl is off): kept. Line 6 (clientcert=1) comes back all NULL.
      t.deepEqual(view.errors.map((e) => e.line), [6, 7]);
      t.regex(view.errors[1]!.message, /invalid CIDR mask/);

      const { auditFindings } = await import('../../src/audit/index.js');
      const { cleanFacts, OPTS } = await import('../audit/facts.js');
      const found = auditFindings(cleanFacts({ hba: { path: 'pg_hba.conf', from: 'pg_hba_file_rules', text: view.text, serverErrors: view.errors } }), OPTS);
      t.deepEqual(found.map((f) => [f.id, f.evidence.split(' ')[0]]).sort(), [
        ['hba-plaintext-allowed', 'pg_hba.conf:4'],
        ['hba-plaintext-allowed', 'pg_hba.conf:8'],
        ['hba-server-error', 'pg_hba.conf:6'],
        ['hba-server-error', 'pg_hba.conf:7'],
        ['hba-trust-network', 'pg_hba.conf:8'],
      ]);
    } finally {
      await s.end();
    }
  } finally {
    await c.stop();
  }
});
