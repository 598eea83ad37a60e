/**
 * The audit's checks from pgdsat and dev-sec's postgres-baseline, on a real
 * PostgreSQL 15: a cluster seeded with each problem shows each one once,
 * with every place it occurs; after each finding's fix and the project's
 * own generate + apply it is clean under the default profile; the
 * profiles disagree exactly where the README says; SARIF and JUnit hold one
 * result per finding and --fail-on sets the exit status.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AuditReport, ReportFinding } from '../../src/audit/index.js';
import { BIN } from '../helpers/cli.js';
import { asPostgres, givePostgres, startCluster, type Cluster } from '../helpers/cluster.js';
import { startDebianCluster } from '../helpers/debian-cluster.js';
import { parseXml } from '../helpers/xml.js';
import { cli, makeBundle } from './apply-helpers.js';

const run = promisify(execFile);

/** The audit over the socket as the server's OS user (peer), as the CLI prints it. */
async function audit(c: Cluster, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const conn = `host=${c.socketDir} port=${c.port} dbname=postgres user=postgres`;
  return run('runuser', ['-u', 'postgres', '--', process.execPath, BIN, 'audit', '--connect', conn, ...args], { env: { ...process.env, NO_COLOR: '1' } }).then(
    (x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

async function json(c: Cluster, args: string[] = []): Promise<{ code: number; report: AuditReport; raw: string }> {
  const r = await audit(c, ['--format', 'json', ...args]);
  try {
    return { code: r.code, report: JSON.parse(r.stdout) as AuditReport, raw: r.stdout + r.stderr };
  } catch {
    throw new Error(`no JSON (exit ${r.code}): ${r.stderr}`);
  }
}

/** The one entry with this id (failing when there are two: grouping is the point). */
function one(report: AuditReport, id: string): ReportFinding {
  const all = report.findings.filter((f) => f.id === id);
  if (all.length !== 1) throw new Error(`${all.length} ${id} entries in ${report.findings.map((f) => f.id).join(', ')}`);
  return all[0]!;
}

const SEEDED_HBA = ['hostssl all all 10.0.0.0/8 ident', 'host all all 0.0.0.0/0 scram-sha-256', 'host all all ::/0 scram-sha-256'];

test('each peer check on a seeded PostgreSQL 15; after the fixes and apply: clean under the default profile', async (t) => {
  const c = await startCluster({ settings: { ssl_ciphers: 'HIGH:MEDIUM:+3DES:!aNULL' } });
  const { work, bundle } = await makeBundle();
  const standby = await mkdtemp(join(tmpdir(), 'pgss-standby-'));
  try {
    // A certificate so TLS is on and ssl_ciphers matters (openssl, not the project's own code).
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '365', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(c.dataDir, 'server.key'), '-out', join(c.dataDir, 'server.crt')]);
    for (const f of ['server.key', 'server.crt']) await givePostgres(join(c.dataDir, f));
    await chmod(join(c.dataDir, 'server.key'), 0o600);
    await c.psql('ALTER SYSTEM SET ssl = on');
    const initdbHba = await readFile(join(c.dataDir, 'pg_hba.conf'), 'utf8');
    await c.writeDataFile('pg_hba.conf', `${initdbHba}${SEEDED_HBA.join('\n')}\n`, 0o644);
    await chmod(join(c.dataDir, 'pg_ident.conf'), 0o666);
    await mkdir(join(c.dataDir, 'conf.d'));
    await c.writeDataFile('conf.d/listen.conf', "listen_addresses = '*'\n", 0o666);
    await givePostgres(join(c.dataDir, 'conf.d'));
    await c.appendConf("include_dir = 'conf.d'\n");
    await chmod(c.socketDir, 0o777);
    await c.reload();
    await c.psql('CREATE ROLE nopw LOGIN');

    const seeded = await json(c);
    t.is(seeded.code, 1, seeded.raw);
    const r = seeded.report;
    const hba = join(c.dataDir, 'pg_hba.conf');
    const base = initdbHba.split('\n').length - 1;
    t.deepEqual(one(r, 'hba-wide-range').locations, [{ path: hba, line: base + 2 }, { path: hba, line: base + 3 }]);
    t.deepEqual(one(r, 'superuser-network').locations.map((l) => l.line), [base + 1, base + 2, base + 3]);
    t.regex(one(r, 'superuser-network').evidence, /admits postgres/);
    t.deepEqual(one(r, 'hba-ident-network').locations, [{ path: hba, line: base + 1 }]);
    t.like(one(r, 'ssl-ciphers-weak'), { severity: 'medium' });
    t.regex(one(r, 'ssl-ciphers-weak').evidence, /allows \d+ such suite\(s\), [1-9]\d* without forward secrecy: [A-Z]/);
    // pg_ident.conf and conf.d/listen.conf: writable by others, one entry for both files.
    const writable = r.findings.filter((f) => f.id === 'conf-file-mode' && f.severity === 'high');
    t.is(writable.length, 1);
    t.regex(writable[0]!.evidence, /pg_ident\.conf \(pg_ident\.conf\) has mode 0666\n.*conf\.d\/listen\.conf \(included conf\) has mode 0666/);
    t.regex(r.findings.find((f) => f.id === 'conf-file-mode' && f.severity === 'medium')!.evidence, /pg_hba\.conf \(pg_hba\.conf\) has mode 0644/);
    t.regex(one(r, 'socket-dir-mode').evidence, /has mode 0777/);
    t.deepEqual(r.findings.filter((f) => ['role-no-password', 'ssl-passphrase-none', 'hba-reject-line', 'listen-exposed'].includes(f.id)), [], 'not under default; listen_addresses needs a restart');
    t.is(r.profile, 'default');
    t.deepEqual(r.summary, { high: r.findings.filter((f) => f.severity === 'high').length, medium: r.findings.filter((f) => f.severity === 'medium').length, low: r.findings.filter((f) => f.severity === 'low').length, info: r.findings.filter((f) => f.severity === 'info').length });

    // The files alone see what a restart would bring: listening everywhere with rules open to anywhere.
    await chmod(c.dataDir, 0o755);
    const files = JSON.parse((await cli(['audit', '--pgdata', c.dataDir, '--format', 'json'])).stdout) as AuditReport;
    await chmod(c.dataDir, 0o700);
    t.regex(one(files, 'listen-exposed').evidence, /listen_addresses = '\*' \(.*listen\.conf:1\); rules open to any address: .*0\.0\.0\.0\/0/);
    t.regex(one(files, 'data-dir-mode').evidence, /has mode 0755/);

    // A standby made by pg_basebackup -R: primary_conninfo without verify-full.
    await givePostgres(standby);
    await asPostgres(join(c.clientBin, 'pg_basebackup'), ['-D', join(standby, 'data'), '-R', '-h', c.socketDir, '-p', String(c.port), '-U', 'postgres', '-X', 'none']);
    const replica = JSON.parse((await cli(['audit', '--pgdata', join(standby, 'data'), '--format', 'json'])).stdout) as AuditReport;
    t.regex(one(replica, 'standby-conninfo').evidence, /sslmode=prefer \(.*postgresql\.auto\.conf:\d+\)/);

    // CI formats on the seeded server: one result per finding; --fail-on decides.
    const sarif = JSON.parse((await audit(c, ['--format', 'sarif'])).stdout) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    t.is(sarif.version, '2.1.0');
    t.deepEqual(sarif.runs[0]!.results.map((x) => x.ruleId), r.findings.map((f) => f.id));
    const junit = await audit(c, ['--format', 'junit', '--fail-on', 'high']);
    t.is(junit.code, 1);
    const doc = parseXml(junit.stdout);
    t.is(doc.children[0]!.children.length, r.findings.length);
    t.is(doc.attributes.failures, String(r.summary.high));
    const text = await audit(c);
    t.regex(text.stdout, /^pg-secure-setup audit: PostgreSQL 15\.\d+[^,]*, connected to .*: \d+ high, \d+ medium, \d+ low, \d+ info \(profile default\)\n/);

    // Each finding's fix (the admin's part), then the project's own generate + apply.
    await c.writeDataFile('pg_hba.conf', initdbHba, 0o600);
    await chmod(join(c.dataDir, 'pg_ident.conf'), 0o600);
    await chmod(join(c.dataDir, 'conf.d', 'listen.conf'), 0o600);
    await chmod(c.socketDir, 0o755);
    await c.reload();
    const applied = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(applied.code, 0, applied.stderr + applied.stdout);
    let after = await json(c);
    for (let i = 0; i < 50 && after.report.findings.some((f) => f.id === 'ssl-ciphers-weak'); i++) after = await json(c);
    t.deepEqual(after.report.findings.filter((f) => f.id !== 'hba-shadowed'), [], after.raw);
    t.is(after.code, 0, after.raw);

    // Where the references disagree, on the real server: its reject line, TLS 1.2, cert, local scram-sha-256.
    const applyHba = await readFile(hba, 'utf8');
    await c.writeDataFile('pg_hba.conf', `local all nopw scram-sha-256\nhostssl all alice 127.0.0.1/32 cert\n${applyHba}`, 0o600);
    await c.reload();
    const ids = async (profile: string): Promise<string[]> => (await json(c, ['--profile', profile])).report.findings.map((f) => f.id);
    const dflt = await ids('default');
    t.deepEqual(dflt.filter((id) => id !== 'hba-shadowed'), []);
    const cis = await ids('cis');
    for (const id of ['ssl-min-tls13', 'hba-local-not-peer', 'ssl-passphrase-none']) t.true(cis.includes(id), `${id} in cis: ${cis.join(', ')}`);
    for (const id of ['hba-reject-line', 'hba-cert-method']) t.false(cis.includes(id), `${id} not in cis`);
    const devSec = await ids('dev-sec');
    for (const id of ['hba-reject-line', 'hba-cert-method', 'role-no-password']) t.true(devSec.includes(id), `${id} in dev-sec: ${devSec.join(', ')}`);
    for (const id of ['ssl-min-tls13', 'hba-local-not-peer']) t.false(devSec.includes(id), `${id} not in dev-sec`);
    // cis findings here are low and info: --fail-on medium passes them, the default fails.
    t.is((await audit(c, ['--profile', 'cis', '--fail-on', 'medium'])).code, 0);
    t.is((await audit(c, ['--profile', 'cis'])).code, 1);
  } finally {
    await chmod(c.dataDir, 0o700).catch(() => undefined);
    await c.stop();
    await rm(work, { recursive: true, force: true });
    await rm(standby, { recursive: true, force: true });
  }
});

test('Debian layout: the files in /etc and conf.d are checked, live and from the files, each problem once', async (t) => {
  const c = await startDebianCluster();
  try {
    await writeFile(join(c.confD, 'extra.conf'), "work_mem = '8MB'\n", { mode: 0o666 });
    await chmod(join(c.confD, 'extra.conf'), 0o666);
    await chmod(join(c.configDir, 'pg_hba.conf'), 0o644);
    await c.reload();
    for (const r of [(await json(c)).report, JSON.parse((await cli(['audit', '--pgdata', c.dataDir, '--config-dir', c.configDir, '--format', 'json'])).stdout) as AuditReport]) {
      const high = r.findings.filter((f) => f.id === 'conf-file-mode' && f.severity === 'high');
      t.is(high.length, 1);
      t.deepEqual(high[0]!.locations, [{ path: join(c.confD, 'extra.conf') }]);
      const medium = r.findings.filter((f) => f.id === 'conf-file-mode' && f.severity === 'medium');
      t.deepEqual(medium.map((f) => f.locations), [[{ path: join(c.configDir, 'pg_hba.conf') }]]);
    }
  } finally {
    await c.stop();
  }
});

test('bad --format, --profile and --fail-on values: exit 2 naming the choices, nothing printed on stdout', async (t) => {
  for (const [flag, value] of [['--format', 'xml'], ['--profile', 'nist'], ['--fail-on', 'info']] as const) {
    const r = await cli(['audit', '--pgdata', '/nonexistent', flag, value]);
    t.is(r.code, 2);
    t.regex(r.stderr, new RegExp(`${flag}: "${value}" is not one of `));
    t.is(r.stdout, '');
  }
  const both = await cli(['audit', '--pgdata', '/nonexistent', '--json', '--format', 'sarif']);
  t.is(both.code, 2);
  t.regex(both.stderr, /--json and --format sarif ask for two formats/);
});
