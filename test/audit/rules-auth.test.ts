import test from 'ava';
import { auditFindings, type AuditFacts, type Finding, type FindingId, type Severity } from '../../src/audit/index.js';
import { cleanFacts, OPTS } from './facts.js';

const found = (over: Partial<AuditFacts>): Finding[] => auditFindings(cleanFacts(over), OPTS);

const finds = test.macro({
  exec(t, over: Partial<AuditFacts>, expected: [FindingId, Severity][]) {
    t.deepEqual(found(over).map((f) => [f.id, f.severity]), expected);
  },
  title: (given = '') => given,
});

const settings = cleanFacts().settings;

test('password_encryption md5', finds, { settings: { ...settings, password_encryption: 'md5' } }, [['password-encryption', 'medium']]);
test('password_encryption on (md5 in 13 and older)', finds, { settings: { ...settings, password_encryption: 'on' } }, [['password-encryption', 'medium']]);
test('password_encryption unknown', finds, { settings: { ...settings, password_encryption: undefined } }, []);
test('roles on md5', finds, { md5Roles: ['alice', 'bob'] }, [['md5-roles', 'high']]);
test('no role on md5', finds, { md5Roles: [] }, []);
test('md5 roles unknown is not a finding by itself', finds, { md5Roles: undefined }, []);
test('a session without TLS', finds, { nonSslConnections: [{ pid: 42, user: 'app', clientAddr: '10.0.0.9', applicationName: 'psql', own: false }] }, [['non-ssl-connections', 'medium']]);
test('no session without TLS', finds, { nonSslConnections: [] }, []);
test('sessions unknown', finds, { nonSslConnections: undefined }, []);
test('not a superuser: one low finding for everything skipped', finds, {
  isSuperuser: false,
  currentUser: 'aud',
  md5Roles: undefined,
  unchecked: [
    { what: 'md5-roles', cause: 'not-superuser', detail: 'pg_authid is superuser-only' },
    { what: 'pg_hba.conf', cause: 'not-superuser', detail: 'pg_hba_file_rules is superuser-only' },
  ],
}, [['not-superuser', 'low']]);
test('files only: the live checks are skipped (info)', finds, {
  source: 'files',
  md5Roles: undefined,
  nonSslConnections: undefined,
  unchecked: [
    { what: 'md5-roles', cause: 'no-connection', detail: 'x' },
    { what: 'connections', cause: 'no-connection', detail: 'y' },
  ],
}, [['live-checks-skipped', 'info']]);
test('an unreadable file (info, one each)', finds, {
  unchecked: [
    { what: 'certificate', cause: 'unreadable', detail: '/d/server.crt: cannot read it (EACCES)' },
    { what: 'key-file', cause: 'not-local', detail: 'the server is on another machine' },
  ],
}, [['not-checked', 'info'], ['not-checked', 'info']]);

test('md5-roles names every role and the steps in order', (t) => {
  const [f] = found({ md5Roles: ['alice', 'bob'], settings: { ...settings, password_encryption: 'md5' } }).filter((x) => x.id === 'md5-roles');
  t.regex(f!.evidence, /alice, bob/);
  t.regex(f!.fix, /^1\) password_encryption = 'scram-sha-256'.*2\) .*pg-secure-setup set-password ROLE .*\\password.*3\) .*apply .*--md5-to-scram/s);
  t.regex(f!.fix, /pgbouncer/);
});

test('non-ssl-connections marks the audit\'s own session and cuts long lists', (t) => {
  const many = Array.from({ length: 12 }, (_, i) => ({ pid: 100 + i, clientAddr: '10.0.0.9', own: i === 0 }));
  const [f] = found({ nonSslConnections: many });
  t.regex(f!.title, /^12 TCP connection/);
  t.regex(f!.evidence, /pid 100 from 10\.0\.0\.9 \[this audit's own connection\]/);
  t.regex(f!.evidence, /and 2 more$/);
});

test('findings come out most severe first', (t) => {
  const all = found({
    settings: { ...settings, ssl: 'off', password_encryption: 'md5' },
    md5Roles: ['a'],
    unchecked: [{ what: 'certificate', cause: 'unreadable', detail: 'x' }],
    isSuperuser: false,
  });
  const order = all.map((f) => f.severity);
  t.deepEqual(order, [...order].sort((a, b) => ['high', 'medium', 'low', 'info'].indexOf(a) - ['high', 'medium', 'low', 'info'].indexOf(b)));
  t.deepEqual(all.map((f) => f.id), ['ssl-off', 'md5-roles', 'password-encryption', 'not-checked']);
});
