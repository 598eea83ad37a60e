import test from 'ava';
import { auditFindings, type AuditFacts, type Finding, type Profile } from '../../src/audit/index.js';
import { cleanFacts, OPTS } from './facts.js';

const HEAD = 'local all all peer\nhostnossl all all all reject\n';
const withHba = (text: string, over: Partial<AuditFacts> = {}): AuditFacts => cleanFacts({ hba: { path: '/etc/pg_hba.conf', from: 'file', text }, ...over });
const found = (facts: AuditFacts, profile?: Profile): Finding[] => auditFindings(facts, { ...OPTS, ...(profile ? { profile } : {}) });
const ids = (facts: AuditFacts, profile?: Profile) => found(facts, profile).map((f) => f.id);
const ROLES = [
  { name: 'postgres', superuser: true, hasPassword: true },
  { name: 'app', superuser: false, hasPassword: false },
];

test('ident on a host line is high, with its line', (t) => {
  const [f] = found(withHba(`${HEAD}hostssl all all 10.0.0.0/8 ident\n`));
  t.like(f, { id: 'hba-ident-network', severity: 'high', location: { path: '/etc/pg_hba.conf', line: 3 } });
  t.regex(f!.evidence, /pg_hba\.conf:3: hostssl all all 10\.0\.0\.0\/8 ident/);
});

test('a password rule open to every address; a /8 is a site, a /7 is not; a mask column counts too', (t) => {
  t.deepEqual(ids(withHba(`${HEAD}hostssl all all ::/0 scram-sha-256\n`)), ['hba-wide-range']);
  t.deepEqual(ids(withHba(`${HEAD}hostssl all all 10.0.0.0/8 scram-sha-256\n`)), []);
  t.deepEqual(ids(withHba(`${HEAD}hostssl all all 10.0.0.0/7 scram-sha-256\n`)), ['hba-wide-range']);
  t.deepEqual(ids(withHba(`${HEAD}hostssl all all 0.0.0.0 0.0.0.0 scram-sha-256\n`)), ['hba-wide-range']);
  t.deepEqual(ids(withHba(`${HEAD}hostssl all all all scram-sha-256 clientcert=verify-full\n`)), [], 'a certificate is asked for as well');
});

test('listen_addresses = * weighed against the rules', (t) => {
  const settings = { ...cleanFacts().settings, listen_addresses: '*' };
  const open = found(withHba(`${HEAD}hostssl all all 0.0.0.0/0 cert\n`, { settings }));
  t.deepEqual(open.map((f) => f.id), ['listen-exposed']);
  t.regex(open[0]!.evidence, /listen_addresses = '\*'.*pg_hba\.conf:3/);
  t.deepEqual(ids(withHba(`${HEAD}hostssl all all 10.0.0.0/8 cert\n`, { settings })), [], 'default: the rules decide');
  t.deepEqual(ids(withHba(`${HEAD}hostssl all all 10.0.0.0/8 cert\n`, { settings }), 'cis'), ['ssl-min-tls13', 'listen-wildcard']);
});

test('superusers over the network, not over loopback; roles without a password under a password rule', (t) => {
  const facts = withHba(`${HEAD}host all all ::1/128 scram-sha-256\nhostssl all all 10.0.0.0/8 scram-sha-256\n`, { roles: ROLES });
  const f = found(facts);
  t.deepEqual(f.map((x) => x.id), ['superuser-network']);
  t.regex(f[0]!.evidence, /:4: .* admits postgres$/);
  t.deepEqual(ids(facts, 'dev-sec'), ['superuser-network', 'hba-reject-line', 'role-no-password']);
  t.regex(found(facts, 'dev-sec').find((x) => x.id === 'role-no-password')!.evidence, /: app$/);
});

test('profiles disagree where documented: reject, cert, local scram, TLS 1.2', (t) => {
  const facts = withHba('local all all scram-sha-256\nhostnossl all all all reject\nhostssl all all 10.0.0.0/8 cert\n');
  t.deepEqual(ids(facts), []);
  t.deepEqual(ids(facts, 'cis').sort(), ['hba-local-not-peer', 'ssl-min-tls13']);
  t.deepEqual(ids(facts, 'dev-sec').sort(), ['hba-cert-method', 'hba-reject-line']);
});

test('a superuser who must show a certificate issued to it (the bundle\'s own rules) is for cis and dev-sec only', (t) => {
  for (const method of ['scram-sha-256 clientcert=verify-full', 'cert']) {
    const facts = withHba(`${HEAD}hostssl all all 10.0.0.0/8 ${method}\n`, { roles: ROLES });
    t.false(ids(facts).includes('superuser-network-cert'), method);
    t.false(ids(facts).includes('superuser-network'), method);
    t.true(ids(facts, 'cis').includes('superuser-network-cert'), method);
  }
  const verifyCa = withHba(`${HEAD}hostssl all all 10.0.0.0/8 scram-sha-256 clientcert=verify-ca\n`, { roles: ROLES });
  t.true(ids(verifyCa).includes('superuser-network'), 'verify-ca takes any certificate of the CA: not bound to the role');
});
