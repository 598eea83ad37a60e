/**
 * parseHba and the edits against the real thing: PostgreSQL 15 reads the
 * same files and reports, in pg_hba_file_rules, which lines it accepts and
 * what it made of them.
 */
import anyTest, { type TestFn } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cidrMask, parseIp } from '../../src/hba/address.js';
import { ensureLocalAdmin, hbaRecords, insertRules, parseHba, rewriteMd5ToScram, serializeHba, type HbaRule } from '../../src/hba/index.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const test = anyTest as TestFn<{ cluster: Cluster }>;
const run = promisify(execFile);
const fixtures = join(import.meta.dirname, 'fixtures', 'hba');

interface FileRule {
  line: number;
  type: string | null;
  database: string[] | null;
  user: string[] | null;
  address: string | null;
  netmask: string | null;
  method: string | null;
  error: string | null;
}

// hostssl lines are only judged fully with SSL on, so the cluster gets a throwaway certificate.
test.before(async (t) => {
  const cluster = await startCluster({ start: false, settings: { ssl: 'on' } });
  const scratch = await mkdtemp(join(tmpdir(), 'hba-cert-'));
  try {
    const key = join(scratch, 'key.pem');
    const crt = join(scratch, 'crt.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-subj', '/CN=localhost', '-days', '1']);
    await cluster.writeDataFile('server.key', await readFile(key), 0o600);
    await cluster.writeDataFile('server.crt', await readFile(crt), 0o644);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await cluster.start();
  t.context = { cluster };
});

test.after.always(async (t) => {
  await t.context.cluster?.stop();
});

async function fileRules(cluster: Cluster, text: string): Promise<FileRule[]> {
  // The view reads pg_hba.conf from disk on every query: no reload needed.
  await cluster.writeDataFile('pg_hba.conf', text, 0o600);
  const json = await cluster.psql(
    `SELECT coalesce(json_agg(json_build_object('line', line_number, 'type', type, 'database', database, 'user', user_name,
       'address', address, 'netmask', netmask, 'method', auth_method, 'error', error) ORDER BY line_number), '[]') FROM pg_hba_file_rules`,
  );
  return JSON.parse(json) as FileRule[];
}

// An invalid clientcert value leaves an all-NULL row with no error (FIELD-NOTES).
const rejected = (row: FileRule): boolean => row.error !== null || row.type === null;

function addressOf(rule: HbaRule): { value: string; mask?: bigint } {
  const text = rule.address ?? 'all';
  const slash = text.indexOf('/');
  const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!ip || (rule.quoted?.address !== true && ['all', 'samehost', 'samenet'].includes(text))) return { value: text };
  const mask = slash >= 0 ? cidrMask(text.slice(slash + 1), ip.family)! : parseIp(rule.mask!)!.value;
  return { value: ip.value.toString(16), mask };
}

test.serial('PostgreSQL 15 accepts and rejects the same lines as parseHba, and reads them the same way', async (t) => {
  const text = await readFile(join(fixtures, 'pg15-verdicts.conf'), 'utf8');
  const rows = await fileRules(t.context.cluster, text);
  const lines = parseHba(text).lines.filter((l) => l.kind !== 'blank' && l.kind !== 'comment');
  t.deepEqual(
    rows.map((r) => r.line),
    lines.map((l) => l.lineNumber),
    'one row per record, numbered by its first physical line',
  );
  for (const [i, line] of lines.entries()) {
    const row = rows[i]!;
    const where = `line ${line.lineNumber}: ${line.text}`;
    if (line.kind === 'invalid') {
      t.true(rejected(row), where);
      if (row.error !== null) t.true(row.error.startsWith(line.error), `${where}\n  server: ${row.error}\n  ours:   ${line.error}`);
      continue;
    }
    t.is(line.kind, 'record', where);
    if (line.kind !== 'record') continue;
    t.false(rejected(row), `${where}\n  server: ${row.error}`);
    const { rule } = line;
    t.is(row.type, rule.type, where);
    t.deepEqual(row.database, rule.databases, where);
    t.deepEqual(row.user, rule.users, where);
    t.is(row.method, rule.type === 'local' && rule.method === 'ident' ? 'peer' : rule.method, where);
    if (rule.type !== 'local') {
      const ours = addressOf(rule);
      const server = row.netmask === null ? { value: row.address! } : { value: parseIp(row.address!)!.value.toString(16), mask: parseIp(row.netmask)!.value };
      t.deepEqual(server, ours, where);
    }
  }
});

const planned: HbaRule[] = [
  { type: 'local', databases: ['all'], users: ['all'], method: 'peer', options: [] },
  { type: 'hostnossl', databases: ['all'], users: ['all'], address: 'all', method: 'reject', options: [] },
  { type: 'hostssl', databases: ['all'], users: ['all'], address: '10.0.0.0/8', method: 'scram-sha-256', options: [['clientcert', 'verify-full']] },
  { type: 'hostssl', databases: ['replication'], users: ['all'], address: '::1/128', method: 'cert', options: [] },
  { type: 'hostssl', databases: ['all'], users: ['all', 'app user'], address: 'all', method: 'scram-sha-256', options: [], quoted: { users: [true, true] } },
];

const editedFileLoads = test.macro({
  async exec(t, file: string) {
    const original = await readFile(join(fixtures, file), 'utf8');
    const doc = rewriteMd5ToScram(insertRules(ensureLocalAdmin(parseHba(original), 'postgres'), planned, { comments: planned.map((r) => `${r.type} rule`) }));
    const text = serializeHba(doc);
    const rows = await fileRules(t.context.cluster, text);
    t.deepEqual(rows.filter(rejected), [], 'no line rejected');
    t.deepEqual(
      rows.map((r) => [r.line, r.type, r.database, r.user, r.method]),
      hbaRecords(doc).map((l) => [l.lineNumber, l.rule.type, l.rule.databases, l.rule.users, l.rule.type === 'local' && l.rule.method === 'ident' ? 'peer' : l.rule.method]),
    );
    t.false(rows.some((r) => r.method === 'md5'));
    // The server loads it, and the postgres OS user still gets in over the socket (peer).
    await t.context.cluster.reload();
    t.is(await t.context.cluster.psql('SELECT current_user'), 'postgres');
  },
  title: (given, file: string) => given ?? `edited ${file} loads in PostgreSQL 15 without errors`,
});

for (const file of ['debian-pg15.conf', 'rhel-default.conf', 'rhel-legacy-trust.conf', 'crlf-no-final-newline.conf']) {
  test.serial(editedFileLoads, file);
}
