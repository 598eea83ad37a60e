/**
 * Under --transport both the replication role stays with TLS and its
 * certificate: a hostgssenc refusal for the role stands before the GSS
 * accept lines (20.1 first match), and the standby's conninfo sets
 * gssencmode=disable so a ticket does not send it to GSS first (32.1.2).
 * The README's conninfo is what apply on a standby and audit accept.
 */
import test from 'ava';
import type { Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import { replicationPaths } from '../../src/apply/replication.js';
import { auditFindings } from '../../src/audit/index.js';
import { loadTemplates } from '../../src/bundle/templates.js';
import { formatRule, lintHba, parseHba } from '../../src/hba/index.js';
import { withGssRules, type GssOptions } from '../../src/plan/gss.js';
import { planHbaRules } from '../../src/plan/hba-rules.js';
import { buildPlan } from '../../src/plan/plan.js';
import { standbyConninfo } from '../../src/plan/readme-standby.js';
import { cleanFacts, OPTS } from '../audit/facts.js';

const ROLE = { pki: 'ca', clientCerts: 'cert', replicationUser: 'replicator', networks: ['10.0.0.0/8'] } satisfies Partial<Answers>;
const TWO = ['db1=db1.test,10.0.0.5', 'db2=db2.test,10.0.0.6'];
const gss = (transport: GssOptions['transport'], maps: GssOptions['maps'] = []): GssOptions => ({ transport, realm: 'TEST.PGSS', keytab: '/k.keytab', srvname: 'postgres', maps });

const answers = (given: Partial<Answers>) => completeAnswers(given.servers?.length ? given : { hosts: ['db1.test'], ...given }, {});
const rules = (given: Partial<Answers>, g: GssOptions) => {
  const a = answers(given);
  return withGssRules(planHbaRules(a), a, g);
};
const lines = (given: Partial<Answers>, g: GssOptions) => rules(given, g).map((r) => formatRule(r.rule).replace(/\s+/g, ' '));

async function bundleText(given: Partial<Answers>, g: GssOptions | undefined, path: string): Promise<string> {
  const a = answers({ ...given, ...(g ? { transport: g.transport, krbRealm: g.realm, krbKeytab: g.keytab } : {}) });
  const plan = buildPlan(a, { now: new Date('2026-01-01T00:00:00Z'), templates: await loadTemplates(), toolVersion: '0.0.0-test', ...(g ? { gss: g } : {}) });
  const file = plan.files.find((f) => f.path === path)!;
  if (file.source.kind !== 'text') throw new Error(`${path} is not text`);
  return file.source.text;
}

const README_CONNINFO = /pg_basebackup -D \S+ -R -X stream -d '([^']+)'/;

test('both with a replication role and several servers: the role\'s GSS refusal comes first, then the GSS lines, the plaintext refusal, the role\'s TLS lines, the TLS lines', (t) => {
  t.deepEqual(lines({ ...ROLE, servers: TWO }, gss('both')), [
    'local all all peer',
    'hostgssenc replication replicator all reject',
    'hostgssenc all all 10.0.0.0/8 gss include_realm=0 krb_realm=TEST.PGSS',
    'hostgssenc replication all 10.0.0.0/8 gss include_realm=0 krb_realm=TEST.PGSS',
    'hostnossl all all all reject',
    'hostnossl replication all all reject',
    'hostssl replication replicator 10.0.0.5/32 cert',
    'hostssl replication replicator 10.0.0.6/32 cert',
    'hostssl replication replicator all reject',
    'hostssl all all 10.0.0.0/8 cert',
    'hostssl replication all 10.0.0.0/8 cert',
  ]);
});

test('the refusal is there under both with a role, for one server and with a --gss-map too; not without a role, not under gssapi', (t) => {
  const refusal = 'hostgssenc replication replicator all reject';
  t.is(lines({ ...ROLE }, gss('both'))[1], refusal, 'one server: the role may not replicate over GSS from the client networks either');
  t.is(lines({ ...ROLE, servers: TWO }, gss('both', [{ principal: 'replicator@TEST.PGSS', role: 'replicator' }]))[1], refusal, 'a map naming the role does not let it in');
  const { replicationUser: _, ...noRole } = ROLE;
  t.false(lines(noRole, gss('both')).some((l) => l.includes(' reject') && l.startsWith('hostgssenc')), 'no role: no refusal');
  // Validation refuses a replication role under gssapi (no TLS rule for its certificate); the rules alone add nothing there.
  t.false(lines(noRole, gss('gssapi')).some((l) => l.startsWith('hostgssenc') && l.endsWith('reject')));
  t.false(lines({ ...ROLE }, gss('gssapi')).some((l) => l.startsWith('hostgssenc') && l.endsWith('reject')));
});

test('the other roles\' GSS replication rules stay as they were', (t) => {
  const gssLines = (given: Partial<Answers>) => lines(given, gss('both')).filter((l) => l.startsWith('hostgssenc') && !l.endsWith('reject'));
  const { replicationUser: _, ...noRole } = ROLE;
  t.deepEqual(gssLines({ ...ROLE, servers: TWO }), gssLines({ ...noRole, servers: TWO }));
});

test('the written pg_hba.conf says why above the refusal; it lints clean and audit finds nothing', async (t) => {
  const hba = await bundleText({ ...ROLE, servers: TWO }, gss('both'), 'conf/pg_hba.conf');
  t.regex(hba, /^# Replication as replicator over GSSAPI encryption is refused from every address: replicator replicates over TLS with its client certificate only[^\n]*gssencmode=disable[^\n]*\nhostgssenc\s+replication\s+replicator\s+all\s+reject$/m);
  t.true(hba.indexOf('replicator      all                     reject') < hba.indexOf('gss include_realm'), 'before the first GSS accept line');
  t.deepEqual(lintHba(parseHba(hba)), []);
  t.deepEqual(auditFindings(cleanFacts({ hba: { ...cleanFacts().hba!, text: hba } }), OPTS), [], 'audit finds nothing in these rules');
});

test('standbyConninfo: gssencmode=disable under both only', (t) => {
  const a = { hosts: ['db1.test'], port: 5432, replicationUser: 'replicator' };
  t.regex(standbyConninfo({ ...a, transport: 'both' }, 'db1.test'), / sslkey=\S+ gssencmode=disable$/);
  t.notRegex(standbyConninfo({ ...a, transport: 'tls' }, 'db1.test'), /gssencmode/);
  t.notRegex(standbyConninfo(a, 'db1.test'), /gssencmode/, 'no transport: tls');
});

test('the README\'s pg_basebackup conninfo under both: gssencmode=disable, accepted by apply on a standby and by audit', async (t) => {
  const readme = await bundleText({ ...ROLE, servers: TWO }, gss('both'), 'README.md');
  const conninfo = README_CONNINFO.exec(readme)?.[1];
  t.is(conninfo, 'host=db1.test port=5432 user=replicator sslmode=verify-full sslrootcert=/var/lib/postgresql/replication/root.crt sslcert=/var/lib/postgresql/replication/postgresql.crt sslkey=/var/lib/postgresql/replication/postgresql.key gssencmode=disable');
  t.regex(readme, /Never over GSSAPI: `replicator` is refused on the hostgssenc lines, and the connection string below sets `gssencmode=disable`/);
  t.regex(readme, /keeping `sslmode=verify-full`, `gssencmode=disable` and the same files/, 'a switchover keeps it too');
  t.deepEqual(replicationPaths(conninfo, 'replicator', '/srv/bundle'), {
    paths: { 'root.crt': '/var/lib/postgresql/replication/root.crt', 'postgresql.crt': '/var/lib/postgresql/replication/postgresql.crt', 'postgresql.key': '/var/lib/postgresql/replication/postgresql.key' },
  });
  // pg_basebackup -R of PostgreSQL 15 writes every option, quoted, with the gssencmode given.
  const written = `user=replicator passfile='/var/lib/postgresql/.pgpass' host=db1.test port=5432 sslmode='verify-full' sslcert='/r/postgresql.crt' sslkey='/r/postgresql.key' sslrootcert='/r/root.crt' gssencmode=disable krbsrvname=postgres`;
  t.true('paths' in replicationPaths(written, 'replicator', '/srv/bundle'));
  for (const ci of [conninfo!, written]) {
    const facts = cleanFacts({ standby: true, settings: { ...cleanFacts().settings, primary_conninfo: ci } });
    t.false(auditFindings(facts, OPTS).some((f) => f.id === 'standby-conninfo'), ci);
  }
});

test('tls bundles keep their conninfo and README as they were', async (t) => {
  const readme = await bundleText({ ...ROLE, servers: TWO }, undefined, 'README.md');
  t.notRegex(README_CONNINFO.exec(readme)?.[1] ?? '', /gssencmode/);
  t.notRegex(readme, /Never over GSSAPI|gssencmode/);
  t.notRegex(await bundleText({ ...ROLE, servers: TWO }, undefined, 'conf/pg_hba.conf'), /hostgssenc/);
});
