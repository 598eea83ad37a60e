/**
 * Which addresses may replicate, against PostgreSQL 15 on 127.0.0.1: a
 * bundle of two servers is installed as db1 (apply --server db1), and a
 * replication connection as the role comes from 127.0.0.1. It is admitted
 * when 127.0.0.1 is a server's address, refused when the servers' addresses
 * are others (while a role without the bundle's address lines still
 * replicates under the rules for all roles), and admitted through the
 * client networks when a server is known only by name. audit has nothing
 * to say of the new lines.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const run = promisify(execFile);
const ROLE = 'replicator';

interface Setup {
  readonly c: Cluster;
  readonly bundle: string;
  readonly work: string;
}

/** A cluster with the bundle of these servers installed as db1; the role and alice may replicate. */
async function installed(t: { teardown(fn: () => Promise<unknown>): void }, servers: string[]): Promise<Setup> {
  const c = await startCluster({ settings: { wal_level: 'replica' } });
  const work = await mkdtemp(join(tmpdir(), 'pgss-repl-addr-'));
  t.teardown(async () => {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  });
  const bundle = join(work, 'bundle');
  const flags = ['--pg-version', '15', '--pki', 'ca', '--client-certs', 'cert', '--client-user', 'alice', '--replication-user', ROLE, '--port', String(c.port), '--network', '127.0.0.1/32'];
  const gen = await runCli(['generate', '--out', bundle, '-q', ...flags, ...servers.flatMap((s) => ['--server', s])]);
  if (gen.code !== 0) throw new Error(`generate failed: ${gen.stderr}`);
  const applied = await runCli(['apply', bundle, '--pgdata', c.dataDir, '--server', 'db1'], { timeout: 120_000 });
  if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}${applied.stdout}`);
  await c.psql(`CREATE ROLE ${ROLE} WITH REPLICATION LOGIN; CREATE ROLE alice WITH REPLICATION LOGIN`);
  await mkdir(join(work, 'home'));
  return { c, bundle, work };
}

/** Lines of the installed pg_hba.conf the server could not read (none expected). */
async function hbaErrors(c: Cluster): Promise<string> {
  return c.psql("SELECT string_agg(line_number || ': ' || coalesce(error, 'unreadable'), '; ') FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL");
}

/** A replication connection from 127.0.0.1 with the role's certificate, as a walreceiver makes it; IDENTIFY_SYSTEM's answer or libpq's message. */
async function replicate(s: Setup, role: string): Promise<string> {
  const dir = join(s.bundle, 'clients', role);
  const conninfo = `host=localhost hostaddr=127.0.0.1 port=${s.c.port} user=${role} replication=true connect_timeout=5 sslmode=verify-full sslrootcert=${join(dir, 'root.crt')} sslcert=${join(dir, 'postgresql.crt')} sslkey=${join(dir, 'postgresql.key')}`;
  return run(join(s.c.clientBin, 'psql'), ['-XAtq', conninfo, '-c', 'IDENTIFY_SYSTEM'], { env: { ...process.env, HOME: join(s.work, 'home') } }).then(
    (r) => r.stdout.trim(),
    (e: { stderr?: string }) => String(e.stderr),
  );
}

const IDENTIFIED = /^\d+\|\d+\|/;

test.serial('127.0.0.1 is db1\'s address: the role replicates from it; the IPv6 line of db2 is one the server reads', async (t) => {
  const s = await installed(t, ['db1=localhost,127.0.0.1', 'db2=db2.test,fd00::6']);
  const hba = await readFile(join(s.c.dataDir, 'pg_hba.conf'), 'utf8');
  t.regex(hba, /^hostssl\s+replication\s+replicator\s+127\.0\.0\.1\/32\s+cert$/m);
  t.regex(hba, /^hostssl\s+replication\s+replicator\s+fd00::6\/128\s+cert$/m);
  t.is(await hbaErrors(s.c), '', 'pg_hba_file_rules shows no error');
  t.regex(await replicate(s, ROLE), IDENTIFIED, 'IDENTIFY_SYSTEM answered');
});

test.serial('the servers are 127.0.0.2 and 127.0.0.3: the role is refused from 127.0.0.1, although it is a client network; alice, another replication role, is not', async (t) => {
  const s = await installed(t, ['db1=localhost,127.0.0.2', 'db2=db2.test,127.0.0.3']);
  t.is(await hbaErrors(s.c), '');
  t.regex(await replicate(s, ROLE), /pg_hba\.conf rejects replication connection for host "127\.0\.0\.1", user "replicator", SSL encryption/);
  // The rules for all roles still serve 127.0.0.1/32: the refusal is the role's alone.
  t.regex(await replicate(s, 'alice'), IDENTIFIED);
  const audit = JSON.parse((await runCli(['audit', '--pgdata', s.c.dataDir, '--json'])).stdout) as { findings: { id: string; severity: string; evidence: string }[] };
  t.deepEqual(audit.findings.filter((f) => f.evidence.includes(ROLE)), [], 'audit finds nothing to say of the role\'s lines');
});

test.serial('db2 is known only by name: the role replicates from the client networks, and pg_hba.conf says why and how to narrow it', async (t) => {
  const s = await installed(t, ['db1=localhost,127.0.0.2', 'db2=db2.test']);
  const hba = await readFile(join(s.c.dataDir, 'pg_hba.conf'), 'utf8');
  t.regex(hba, /^# db2 has no IP address in the bundle .* add each one's address to its --server entry \(e\.g\. --server db2=db2\.test,ADDRESS\).*\nhostssl\s+replication\s+replicator\s+127\.0\.0\.1\/32\s+cert$/m);
  t.is(await hbaErrors(s.c), '');
  t.regex(await replicate(s, ROLE), IDENTIFIED);
});
