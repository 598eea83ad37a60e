import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { VerifyReport } from '../../src/verify/checks.js';
import { connect, ConnectionError } from '../../src/pg/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/pg-secure-setup.js');
const ADMIN_PASSWORD = 'verify-admin-pw';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, PGPASSWORD: '', PGHOST: '', PGSSLROOTCERT: '', HOME: home, ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const cli = (args: string[], env?: NodeJS.ProcessEnv) => run(process.execPath, [BIN, ...args], env);

let c: Cluster;
let dir: string;
let home: string; // an empty HOME: no ~/.postgresql or ~/.pgpass leaks in
let good: string; // the installed bundle
let other: string; // a second bundle with its own root CA
let hba: string;

const client = () => ({ root: join(good, 'clients/postgres/root.crt'), cert: join(good, 'clients/postgres/postgresql.crt'), key: join(good, 'clients/postgres/postgresql.key') });

async function verifyJson(connect: string, extra: string[] = [], env: NodeJS.ProcessEnv = { PGPASSWORD: ADMIN_PASSWORD }): Promise<{ r: Run; report: VerifyReport }> {
  const { root, cert, key } = client();
  const args = ['verify', '--connect', connect, '--root-cert', root, '--cert', cert, '--key', key, ...extra, '--json'];
  const r = await cli(args, env);
  let report: VerifyReport;
  try {
    report = JSON.parse(r.stdout) as VerifyReport;
  } catch {
    throw new Error(`verify printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { r, report };
}

const status = (report: VerifyReport) => Object.fromEntries(report.checks.map((ch) => [ch.id, ch.reason ? `${ch.status}:${ch.reason}` : ch.status]));

/** libpq's verdict on the same question, so our answers are what users' clients see. */
async function libpq(conninfo: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return run(join(c.bin, 'psql'), ['-XAtqw', conninfo, '-c', 'SELECT 1'], env);
}

async function withHba(edit: (text: string) => string, body: () => Promise<void>): Promise<void> {
  await writeFile(hba, edit(await readFile(hba, 'utf8')));
  await c.reload();
  try {
    await body();
  } finally {
    await writeFile(hba, await readFile(`${hba}.good`, 'utf8'));
    await c.reload();
  }
}

test.before(async (t) => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) t.fail('dist/ is not built: run npm run build first');
  dir = await mkdtemp(join(tmpdir(), 'pgss-verify-'));
  home = join(dir, 'home');
  good = join(dir, 'good');
  other = join(dir, 'other');
  const gen = (out: string) => cli(['generate', '--quiet', '--out', out, '--host', 'localhost', '--host', '127.0.0.1', '--network', '127.0.0.1/32', '--client-user', 'postgres', '--pg-version', '15']);
  const [g1, g2] = await Promise.all([gen(good), gen(other), startCluster().then((x) => (c = x))]);
  if (g1.code !== 0 || g2.code !== 0) t.fail(`generate failed: ${g1.stderr}${g2.stderr}`);
  // The bundle's own installer, as root: server files, settings, pg_hba.conf, SIGHUP.
  const applied = await run('sh', [join(good, 'apply.sh'), c.dataDir]);
  if (applied.code !== 0) t.fail(`apply.sh failed: ${applied.stdout}${applied.stderr}`);
  // apply.sh signals the server; the reload is done when ssl reads on (checked loudly below).
  for (let i = 0; i < 200 && (await c.psql('SHOW ssl')) !== 'on'; i++) await new Promise((r) => setTimeout(r, 25));
  await c.psql(`ALTER ROLE postgres PASSWORD '${ADMIN_PASSWORD}'`); // over the socket: local ... peer
  hba = join(c.dataDir, 'pg_hba.conf');
  await writeFile(`${hba}.good`, await readFile(hba, 'utf8'));
  if ((await c.psql('SHOW ssl')) !== 'on') t.fail(`ssl did not come on: ${await c.readLog()}`);
});

test.after.always(async () => {
  await c?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const tcp = () => `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres`;

test.serial('a good set-up passes every check, and says what it saw', async (t) => {
  const { r, report } = await verifyJson(tcp());
  t.is(r.code, 0, r.stdout + r.stderr);
  t.true(report.ok);
  t.deepEqual(status(report), { tls: 'pass', login: 'pass', 'plaintext-refused': 'pass', 'wrong-host-refused': 'pass', 'client-cert-required': 'pass' });
  t.regex(report.tls!.protocol, /^TLSv1\.[23]$/);
  t.truthy(report.tls!.cipher);
  const leaf = report.chain[0]!;
  t.deepEqual(leaf.dnsNames, ['localhost']);
  t.deepEqual(leaf.ipAddresses, ['127.0.0.1']);
  t.true(leaf.daysLeft > 300);
  t.true(report.chain.at(-1)!.selfSigned, 'the chain ends at the trusted root');
  t.is(report.serverView?.ssl, true);
  t.regex(report.serverView?.clientDn ?? '', /CN=postgres/);
  t.regex(report.checks.find((ch) => ch.id === 'plaintext-refused')!.detail, /pg_hba\.conf rejects connection .* no encryption/);
  t.regex(report.checks.find((ch) => ch.id === 'client-cert-required')!.detail, /requires a valid client certificate/);
});

test.serial('the human report: chain with SANs and expiry, one line per check', async (t) => {
  const { root, cert, key } = client();
  const r = await cli(['verify', '--connect', `host=localhost hostaddr=127.0.0.1 port=${c.port} user=postgres`, '--root-cert', root, '--cert', cert, '--key', key], { PGPASSWORD: ADMIN_PASSWORD });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /TLS {7}TLSv1\.[23], \S+/);
  t.regex(r.stdout, /SAN {6}DNS:localhost, IP:127\.0\.0\.1/);
  t.regex(r.stdout, /valid {4}\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d, \d+ days left/);
  for (const title of ['TLS with verify-full', 'login over that connection', 'plaintext refused', 'wrong host name refused', 'missing client certificate refused']) {
    t.regex(r.stdout, new RegExp(`ok {4}${title}`));
  }
  t.regex(r.stdout, /All checks hold\./);
});

test.serial('without a password the login is skipped and the TLS checks still decide', async (t) => {
  const { r, report } = await verifyJson(tcp(), [], {});
  t.is(r.code, 0, r.stdout);
  t.is(status(report).login, 'skip');
});

test.serial('fails with ssl-off when the server has ssl = off', async (t) => {
  await c.psql('ALTER SYSTEM SET ssl = off');
  await c.reload();
  try {
    const { r, report } = await verifyJson(tcp());
    t.is(r.code, 1);
    t.is(status(report).tls, 'fail:ssl-off');
    t.is(status(report).login, 'skip');
    t.deepEqual(report.checks.filter((ch) => ch.status === 'fail').map((ch) => ch.reason), ['ssl-off']);
  } finally {
    await c.psql('ALTER SYSTEM RESET ssl');
    await c.reload();
  }
});

test.serial('fails with wrong-root-cert when trusting another CA', async (t) => {
  const { r, report } = await verifyJson(tcp(), ['--root-cert', join(other, 'clients/postgres/root.crt')]);
  t.is(r.code, 1);
  t.is(status(report).tls, 'fail:wrong-root-cert');
  t.true(report.chain.length >= 1, 'the presented certificate is still shown');
  t.regex((await libpq(`${tcp()} sslmode=verify-full sslrootcert=${join(other, 'clients/postgres/root.crt')}`)).stderr, /certificate verify failed/);
});

test.serial('fails with host-not-in-san for a name the certificate does not carry', async (t) => {
  const connect = `host=wrong.test hostaddr=127.0.0.1 port=${c.port} user=postgres dbname=postgres`;
  const { r, report } = await verifyJson(connect);
  t.is(r.code, 1);
  t.is(status(report).tls, 'fail:host-not-in-san');
  t.regex(report.checks[0]!.detail, /"wrong\.test" is not in .* DNS:localhost, IP:127\.0\.0\.1/);
  const { root, cert, key } = client();
  const lib = await libpq(`${connect} sslmode=verify-full sslrootcert=${root} sslcert=${cert} sslkey=${key}`);
  t.regex(lib.stderr, /does not match host name "wrong\.test"/);
});

test.serial('fails with plaintext-allowed when a host rule lets unencrypted connections in', async (t) => {
  await withHba(
    (text) => text.replace(/^hostnossl\s+all\s+all\s+all\s+reject$/m, 'host all all 127.0.0.1/32 scram-sha-256'),
    async () => {
      const { r, report } = await verifyJson(tcp());
      t.is(r.code, 1);
      t.is(status(report)['plaintext-refused'], 'fail:plaintext-allowed');
      t.regex(report.checks.find((ch) => ch.id === 'plaintext-refused')!.detail, /asked for SASL \(SCRAM-SHA-256\) authentication/);
      t.is((await libpq(`${tcp()} sslmode=disable`, { PGPASSWORD: ADMIN_PASSWORD })).code, 0, 'libpq logs in without TLS too');
    },
  );
});

test.serial('fails with client-cert-not-required when the rules ask only for a password', async (t) => {
  await withHba(
    (text) => text.replace(/scram-sha-256 clientcert=verify-full/g, 'scram-sha-256'),
    async () => {
      const { r, report } = await verifyJson(tcp());
      t.is(r.code, 1);
      t.is(status(report)['client-cert-required'], 'fail:client-cert-not-required');
      const { root } = client();
      t.is((await libpq(`${tcp()} sslmode=verify-full sslrootcert=${root}`, { PGPASSWORD: ADMIN_PASSWORD })).code, 0, 'libpq logs in without a certificate too');
    },
  );
});

test.serial('without --cert where the server demands one: the login fails and says why', async (t) => {
  const { root } = client();
  const r = await cli(['verify', '--connect', tcp(), '--root-cert', root, '--json'], { PGPASSWORD: ADMIN_PASSWORD });
  t.is(r.code, 1);
  const report = JSON.parse(r.stdout) as VerifyReport;
  t.is(status(report).login, 'fail:client-cert-missing');
  t.is(status(report)['client-cert-required'], 'skip');
});

test.serial('exit 1 when nothing listens', async (t) => {
  const { r, report } = await verifyJson(`host=127.0.0.1 port=1 user=postgres`);
  t.is(r.code, 1);
  t.is(status(report).tls, 'fail:unreachable');
});

test.serial('the connection module: verify-full sessions carry the TLS facts; sslmode semantics match libpq', async (t) => {
  const { root, cert, key } = client();
  const files = `sslrootcert=${root} sslcert=${cert} sslkey=${key}`;
  const s = await connect({ connect: `${tcp()} sslmode=verify-full ${files}`, env: { PGPASSWORD: ADMIN_PASSWORD } }, { home });
  try {
    t.regex(s.tls!.protocol, /^TLSv1\.[23]$/);
    t.true(s.tls!.authorized);
    t.is(s.tls!.nameError, undefined);
    t.is(s.tls!.chainPem.length, 2);
    const [row] = await s.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    t.true(row!.ssl);
  } finally {
    await s.end();
  }
  // require without a root file: encrypted, not verified (32.19.3); the certificate still has to come with the client's.
  const req = await connect({ connect: `${tcp()} sslmode=require sslcert=${cert} sslkey=${key}`, env: { PGPASSWORD: ADMIN_PASSWORD } }, { home });
  t.false(req.tls!.authorized);
  await req.end();
  const wrongName = await t.throwsAsync(connect({ connect: `host=wrong.test hostaddr=127.0.0.1 port=${c.port} user=postgres sslmode=verify-full ${files}`, env: { PGPASSWORD: ADMIN_PASSWORD } }, { home }), {
    instanceOf: ConnectionError,
  });
  t.is(wrongName!.kind, 'host-mismatch');
  // verify-ca does not check the name (32.19.1).
  const ca = await connect({ connect: `host=wrong.test hostaddr=127.0.0.1 port=${c.port} user=postgres sslmode=verify-ca ${files}`, env: { PGPASSWORD: ADMIN_PASSWORD } }, { home });
  await ca.end();
  const plain = await t.throwsAsync(connect({ connect: `${tcp()} sslmode=disable`, env: { PGPASSWORD: ADMIN_PASSWORD } }, { home }), { instanceOf: ConnectionError });
  t.is(plain!.kind, 'ssl-required');
  const noCert = await t.throwsAsync(connect({ connect: `${tcp()} sslmode=verify-full sslrootcert=${root}`, env: { PGPASSWORD: ADMIN_PASSWORD } }, { home }), { instanceOf: ConnectionError });
  t.is(noCert!.kind, 'client-cert-required');
  const otherRoot = await t.throwsAsync(connect({ connect: `${tcp()} sslmode=verify-full sslrootcert=${join(other, 'clients/postgres/root.crt')}`, env: {} }, { home }), { instanceOf: ConnectionError });
  t.is(otherRoot!.kind, 'cert-untrusted');
});

const usage: [string, string[], RegExp][] = [
  ['no TCP host', ['verify'], /verify needs a TCP host/],
  ['missing root certificate', ['verify', '--connect', 'host=127.0.0.1 port=5432'], /no root certificate to verify the server with/],
  ['unreadable root certificate', ['verify', '--connect', 'host=127.0.0.1', '--root-cert', '/nonexistent/root.crt'], /root certificate file "\/nonexistent\/root\.crt" does not exist/],
  ['--key without --cert', ['verify', '--connect', 'host=127.0.0.1', '--key', 'x.key'], /--key needs --cert/],
  ['bad sslmode in the environment', ['verify', '--connect', 'host=127.0.0.1'], /PGSSLMODE: invalid sslmode "sometimes"/],
];

for (const [name, args, message] of usage) {
  test.serial(`exit 2: ${name}`, async (t) => {
    const r = await cli(args, name.includes('sslmode') ? { PGSSLMODE: 'sometimes' } : {});
    t.is(r.code, 2, r.stdout + r.stderr);
    t.regex(r.stderr, message);
  });
}

test.serial('exit 2: a client key others can read, as libpq refuses it', async (t) => {
  const { root, cert, key } = client();
  const loose = join(dir, 'loose.key');
  await writeFile(loose, await readFile(key), { mode: 0o644 });
  const r = await cli(['verify', '--connect', tcp(), '--root-cert', root, '--cert', cert, '--key', loose]);
  t.is(r.code, 2);
  t.regex(r.stderr, /has group or world access/);
});
