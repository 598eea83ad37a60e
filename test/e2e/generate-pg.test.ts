/**
 * End to end: generate a bundle with the real CLI, install it on a real
 * PostgreSQL cluster the way its README says (apply.sh), and check with libpq
 * (psql) and node-postgres what a user would see.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { runCli } from '../helpers/cli.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery staple';

interface Setup {
  cluster: Cluster;
  bundle: string;
  home: string;
}

async function setUp(args: string[]): Promise<Setup> {
  const work = await mkdtemp(join(tmpdir(), 'pgss-e2e-'));
  const bundle = join(work, 'bundle');
  const gen = await runCli(['generate', '--out', bundle, '--pg-version', '15', '--host', 'localhost', '--host', '127.0.0.1', '--network', '127.0.0.1/32', '-q', ...args]);
  if (gen.code !== 0) throw new Error(`generate failed: ${gen.stderr}`);
  const cluster = await startCluster();
  await cluster.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'; CREATE ROLE alice LOGIN PASSWORD '${PASSWORD}'`);
  const applied = await run('sh', [join(bundle, 'apply.sh'), cluster.dataDir]);
  if (!/==> Reload/.test(applied.stdout)) throw new Error(`apply.sh did not reload:\n${applied.stdout}`);
  for (let i = 0; i < 50 && (await cluster.psql('SHOW ssl')) !== 'on'; i++) await new Promise((r) => setTimeout(r, 100));
  return { cluster, bundle, home: work };
}

async function tearDown(s: Setup): Promise<void> {
  await s.cluster.stop();
  await rm(s.home, { recursive: true, force: true });
}

/** Connect with psql (libpq); resolves to stdout or rejects with libpq's message. */
async function psql(s: Setup, conninfo: Record<string, string>, sql = 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()'): Promise<string> {
  const info = { hostaddr: '127.0.0.1', host: 'localhost', port: String(s.cluster.port), dbname: 'postgres', connect_timeout: '5', ...conninfo };
  const text = Object.entries(info).map(([k, v]) => `${k}='${v}'`).join(' ');
  try {
    const { stdout } = await run(join(s.cluster.bin, 'psql'), ['-XAtq', text, '-c', sql], { env: { ...process.env, HOME: s.home, PGPASSWORD: PASSWORD } });
    return stdout.trim();
  } catch (err) {
    throw new Error(String((err as { stderr?: string }).stderr ?? err));
  }
}

function clientFiles(s: Setup, role: string) {
  const dir = join(s.bundle, 'clients', role);
  return { sslmode: 'verify-full', sslrootcert: join(dir, 'root.crt'), sslcert: join(dir, 'postgresql.crt'), sslkey: join(dir, 'postgresql.key') };
}

const modes = [
  { pki: 'self-signed', clientCerts: 'none' },
  ...['ca', 'ca-intermediate'].flatMap((pki) => ['none', 'verify-ca', 'verify-full', 'cert'].map((clientCerts) => ({ pki, clientCerts }))),
] as const;

for (const { pki, clientCerts } of modes) {
  test(`${pki}, client certificates ${clientCerts}: PostgreSQL 15 accepts the bundle and enforces it`, async (t) => {
    const users = clientCerts === 'none' ? [] : ['--client-user', 'postgres', '--client-user', 'alice'];
    const s = await setUp(['--pki', pki, '--client-certs', clientCerts, ...users]);
    try {
      // Every setting and rule was accepted.
      t.is(await s.cluster.psql('SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL'), '0');
      t.is(await s.cluster.psql('SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL'), '0');
      t.is(await s.cluster.psql('SHOW password_encryption'), 'scram-sha-256');
      t.notRegex(await s.cluster.readLog(), /was not reloaded/);
      // ...and every setting in the snippet is the value in force.
      const conf = await readFile(join(s.bundle, 'conf', 'pg-secure-setup.conf'), 'utf8');
      for (const [, name, value] of conf.matchAll(/^(\w+) = '?([^'\s]*)'?/gm)) {
        t.is(await s.cluster.psql(`SELECT current_setting('${name}')`), value ?? '', name);
      }

      const trust = clientCerts === 'none' ? { sslmode: 'verify-full', sslrootcert: join(s.bundle, 'server', 'root.crt') } : clientFiles(s, 'alice');
      // A verify-full client connects over TLS.
      t.regex(await psql(s, { ...trust, user: 'alice' }), /^t\|TLSv1\.[23]$/);
      // Plaintext is refused by the hostnossl reject rule.
      const plain = await psql(s, { sslmode: 'disable', user: 'alice' }).catch((e: Error) => e.message);
      t.regex(plain, /rejects connection for host "127\.0\.0\.1", user "alice", database "postgres", no encryption/);
      // ...and so is a plaintext replication connection, which `all` does not cover.
      const plainReplication = await psql(s, { sslmode: 'disable', user: 'alice', replication: 'true' }, 'IDENTIFY_SYSTEM').catch((e: Error) => e.message);
      t.regex(plainReplication, /rejects replication connection for host "127\.0\.0\.1", user "alice", no encryption/);
      // A host name that is not in the certificate fails verify-full.
      const wrong = await psql(s, { ...trust, user: 'alice', host: 'wrong.test' }).catch((e: Error) => e.message);
      t.regex(wrong, /does not match host name "wrong\.test"/);

      if (clientCerts !== 'none') {
        // No client certificate where one is required.
        const { sslcert: _c, sslkey: _k, ...noCert } = clientFiles(s, 'alice');
        const missing = await psql(s, { ...noCert, user: 'alice' }).catch((e: Error) => e.message);
        t.regex(missing, /connection requires a valid client certificate|certificate authentication failed/);
        // Another role's certificate: refused where the CN must match, accepted under verify-ca.
        const other = psql(s, { ...clientFiles(s, 'alice'), user: 'postgres' });
        if (clientCerts === 'verify-ca') t.regex(await other, /^t\|/);
        else t.regex(await other.catch((e: Error) => e.message), clientCerts === 'cert' ? /certificate authentication failed for user "postgres"/ : /password authentication failed for user "postgres"/);
      }
    } finally {
      await tearDown(s);
    }
  });
}

test('node-postgres connects with the client bundle and verify-full', async (t) => {
  const s = await setUp(['--pki', 'ca-intermediate', '--client-certs', 'verify-full', '--client-user', 'alice']);
  try {
    const dir = join(s.bundle, 'clients', 'alice');
    const client = new pg.Client({
      host: 'localhost',
      port: s.cluster.port,
      user: 'alice',
      database: 'postgres',
      password: PASSWORD,
      ssl: { ca: await readFile(join(dir, 'root.crt'), 'utf8'), cert: await readFile(join(dir, 'postgresql.crt'), 'utf8'), key: await readFile(join(dir, 'postgresql.key'), 'utf8') },
    });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      t.true(rows[0].ssl);
    } finally {
      await client.end();
    }
  } finally {
    await tearDown(s);
  }
});
