/**
 * The replication role's rules with several servers: one line per server
 * address (IPv4 /32, IPv6 /128), then a refusal for every other address;
 * a server known only by name keeps the client networks open to the role,
 * with a comment on how to narrow it; one server is as before.
 */
import test from 'ava';
import type { Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import { loadTemplates } from '../../src/bundle/templates.js';
import { formatRule, lintHba, parseHba } from '../../src/hba/index.js';
import { planHbaRules } from '../../src/plan/hba-rules.js';
import { buildPlan } from '../../src/plan/plan.js';

const ROLE = { pki: 'ca', clientCerts: 'cert', replicationUser: 'replicator' } as const;
const TWO = ['db1=db1.test,10.0.0.5', 'db2=db2.test,10.0.0.6'];

// With --server the hosts are the first server's.
const answers = (given: Partial<Answers>) => completeAnswers(given.servers?.length ? given : { hosts: ['db1.test'], ...given }, {});
const lines = (given: Partial<Answers>) => planHbaRules(answers(given)).map((r) => formatRule(r.rule).replace(/\s+/g, ' '));
const roleLines = (given: Partial<Answers>) => lines(given).filter((l) => / replication replicator /.test(l));

/** A level-two section of the README, up to the next one. */
function section(readme: string, heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}" in the README`);
  const rest = readme.slice(start + 1);
  const end = rest.indexOf('\n## ', 1);
  return end < 0 ? rest : rest.slice(0, end);
}

async function bundleText(given: Partial<Answers>, path: string): Promise<string> {
  const plan = buildPlan(answers(given), { now: new Date('2026-01-01T00:00:00Z'), templates: await loadTemplates(), toolVersion: '0.0.0-test' });
  const file = plan.files.find((f) => f.path === path)!;
  if (file.source.kind !== 'text') throw new Error(`${path} is not text`);
  return file.source.text;
}

test('two servers with addresses: one line per address, the IPv6 one as /128, then every other address refused', (t) => {
  t.deepEqual(roleLines({ ...ROLE, servers: ['db1=db1.test,10.0.0.5', 'db2=db2.test,fd00::6,10.0.0.6'] }), [
    'hostssl replication replicator 10.0.0.5/32 cert',
    'hostssl replication replicator fd00::6/128 cert',
    'hostssl replication replicator 10.0.0.6/32 cert',
    'hostssl replication replicator all reject',
  ]);
});

test('the role\'s lines stand before the plaintext refusal and the rules for all roles, which stay as they were', (t) => {
  t.deepEqual(lines({ ...ROLE, servers: TWO, networks: ['10.0.0.0/8'] }), [
    'local all all peer',
    'hostssl replication replicator 10.0.0.5/32 cert',
    'hostssl replication replicator 10.0.0.6/32 cert',
    'hostssl replication replicator all reject',
    'hostnossl all all all reject',
    'hostnossl replication all all reject',
    'hostssl all all 10.0.0.0/8 cert',
    'hostssl replication all 10.0.0.0/8 cert',
  ]);
});

test('under a password policy each address line is scram-sha-256 clientcert=verify-full', (t) => {
  t.deepEqual(roleLines({ ...ROLE, clientCerts: 'verify-ca', servers: TWO }), [
    'hostssl replication replicator 10.0.0.5/32 scram-sha-256 clientcert=verify-full',
    'hostssl replication replicator 10.0.0.6/32 scram-sha-256 clientcert=verify-full',
    'hostssl replication replicator all reject',
  ]);
});

test('a server with DNS names only: its address is unknown, so the client networks stay open to the role, and the comment says how to narrow it', async (t) => {
  const given = { ...ROLE, servers: ['db1=db1.test,10.0.0.5', 'db2=db2.test'], networks: ['10.0.0.0/8', 'fd00::/8'] };
  t.deepEqual(roleLines(given), [
    'hostssl replication replicator 10.0.0.5/32 cert',
    'hostssl replication replicator 10.0.0.0/8 cert',
    'hostssl replication replicator fd00::/8 cert',
  ]);
  const hba = await bundleText(given, 'conf/pg_hba.conf');
  t.regex(hba, /^# db2 has no IP address in the bundle and pg_hba\.conf matches no host name safely \(20\.1\), so replicator may also replicate from the client networks\. To narrow this .*--server db2=db2\.test,ADDRESS.*\nhostssl\s+replication\s+replicator\s+10\.0\.0\.0\/8\s+cert$/m);
  t.notRegex(hba, /db\d\.test\s+(cert|scram)/, 'no rule names a host');
});

test('no rule ever names a host, and a network equal to a server\'s address is not written twice', (t) => {
  const given = { ...ROLE, servers: ['db1=db1.test,10.0.0.5', 'db2=db2.test'], networks: ['10.0.0.5/32', 'samenet'] };
  t.deepEqual(roleLines(given), ['hostssl replication replicator 10.0.0.5/32 cert', 'hostssl replication replicator samenet cert']);
  const names = roleLines({ ...ROLE, servers: ['db1=db1.test', 'db2=db2.test'] });
  t.deepEqual(names, ['hostssl replication replicator samenet cert']);
});

test('one server, with or without --server, keeps the role\'s rule for the client networks', (t) => {
  const before = ['hostssl replication replicator 10.0.0.0/8 cert', 'hostssl replication replicator samenet cert'];
  t.deepEqual(roleLines({ ...ROLE, networks: ['10.0.0.0/8', 'samenet'] }), before);
  t.deepEqual(roleLines({ ...ROLE, networks: ['10.0.0.0/8', 'samenet'], servers: ['db1=db1.test,10.0.0.5'] }), before);
  t.deepEqual(lines({ pki: 'ca', servers: TWO }).filter((l) => l.includes('replicator')), [], 'no role, no role rule');
});

for (const [name, servers] of [
  ['addresses', ['db1=db1.test,10.0.0.5', 'db2=db2.test,fd00::6']],
  ['a name only', ['db1=db1.test,10.0.0.5', 'db2=db2.test']],
] as const) {
  test(`the generated pg_hba.conf lints clean (servers with ${name}, networks all)`, async (t) => {
    for (const clientCerts of ['cert', 'verify-full'] as const) {
      const hba = await bundleText({ ...ROLE, clientCerts, servers: [...servers], networks: ['all'] }, 'conf/pg_hba.conf');
      t.deepEqual(lintHba(parseHba(hba)), []);
    }
  });
}

test('the README\'s rules and Standby sections say which addresses may replicate', async (t) => {
  const readme = await bundleText({ ...ROLE, servers: ['db1=db1.test,10.0.0.5', 'db2=db2.test,fd00::6'] }, 'README.md');
  const only = /Replication as `replicator` is admitted only from the bundle's servers, `10\.0\.0\.5\/32` \(db1\), `fd00::6\/128` \(db2\), on every server \(any may become the primary\); any other address is refused\./;
  t.regex(section(readme, 'The rules (pg_hba.conf, first match wins)'), only);
  t.regex(section(readme, 'Standby'), only);
  const fallback = await bundleText({ ...ROLE, servers: ['db1=db1.test,10.0.0.5', 'db2=db2.test'] }, 'README.md');
  t.regex(section(fallback, 'Standby'), /from the servers' addresses, `10\.0\.0\.5\/32` \(db1\), and the client networks \(`samenet`\), because db2 is known only by name; add each server's IP address to its `--server` entry/);
});

test('the Standby section of several servers says how to switch over: the new primary by its certificate\'s name, the old one rejoining with the replication files, pg_rewind\'s needs', async (t) => {
  const standby = section(await bundleText({ ...ROLE, servers: ['db1=db1.test,10.0.0.5', 'db2=db2.test,10.0.0.6', 'db3=db3.test'] }, 'README.md'), 'Standby');
  t.regex(standby, /promote a standby \(`SELECT pg_promote\(\)`\) and point\nthe others at it by a name in its certificate \(`host=db2\.test` for db2\), keeping `sslmode=verify-full`/);
  t.regex(standby, /`ALTER SYSTEM SET primary_conninfo = '\.\.\.'`, then `SELECT pg_reload_conf\(\)`/);
  t.regex(standby, /\(`apply \. --server db1 --replication-files \/var\/lib\/postgresql\/replication`\), an empty `standby\.signal`/);
  t.regex(standby, /`pg_rewind`, which needs data checksums or `wal_log_hints = on` \(this bundle sets neither\)\nand connects to the new primary as a role allowed to read its files, not as replicator\./);
  const one = await bundleText({ ...ROLE }, 'README.md');
  t.notRegex(one, /switch over/, 'one server: no other server to switch to');
});
