import test from 'ava';
import { auditFindings, type AuditFacts, type AuditOptions, type Finding, type FindingId } from '../../src/audit/index.js';
import { CLEAN_HBA, cleanFacts, OPTS } from './facts.js';

const HEAD = 'local all all peer\nhostnossl all all all reject\n';
const withHba = (text: string, over: Partial<AuditFacts> = {}): AuditFacts => cleanFacts({ hba: { path: '/etc/pg_hba.conf', from: 'file', text }, ...over });
const found = (facts: AuditFacts, opts: Partial<AuditOptions> = {}): Finding[] => auditFindings(facts, { ...OPTS, ...opts });

const finds = test.macro({
  exec(t, text: string, expected: [FindingId, string][], opts: Partial<AuditOptions> = {}) {
    t.deepEqual(
      found(withHba(text), opts).map((f) => [f.id, f.severity]),
      expected,
    );
  },
  title: (given = '') => given,
});

test('the clean file', finds, CLEAN_HBA, []);
test('trust on a network rule', finds, `${HEAD}hostssl all all 0.0.0.0/0 trust\n`, [['hba-trust-network', 'high']]);
test('trust on a reachable local rule: any OS user gets in as any role', finds, 'local all all trust\nhostnossl all all all reject\n', [['hba-trust-local', 'high']]);
test('trust on a local rule that an earlier one shadows: only the info that it is shadowed', finds, 'local all all peer\nlocal all postgres trust\nhostnossl all all all reject\n', [['hba-shadowed', 'info']]);
test('trust on a local rule below a narrower one is still reachable', finds, 'local all postgres peer\nlocal all all trust\nhostnossl all all all reject\n', [['hba-trust-local', 'high']]);
test('a shadowed network trust rule is info, with a word on its method', (t) => {
  const [f, ...rest] = found(withHba(`${HEAD}hostssl all all 10.0.0.0/8 scram-sha-256\nhostssl all all 10.1.0.0/16 trust\n`));
  t.deepEqual(rest, []);
  t.like(f, { id: 'hba-shadowed', severity: 'info' });
  t.regex(f!.evidence, /:4: hostssl all all 10\.1\.0\.0\/16 trust -- this record can never match: line 3 matches/);
  t.regex(f!.fix, /It uses trust/);
});
test('password on a network rule', finds, `${HEAD}hostssl all all 0.0.0.0/0 password\n`, [['hba-password-network', 'high'], ['hba-wide-range', 'medium']]);
test('md5 on a network rule', finds, `${HEAD}hostssl all all 0.0.0.0/0 md5\n`, [['hba-md5-network', 'medium'], ['hba-wide-range', 'medium']]);
test('md5 on a local rule', finds, `local all all md5\nhostnossl all all all reject\n`, [['hba-md5-local', 'low']]);
test('host rule before the plaintext refusal', finds, 'host all all 192.168.0.0/16 scram-sha-256\nhostnossl all all all reject\n', [['hba-plaintext-allowed', 'medium']]);
test('host rule after the plaintext refusal', finds, `${HEAD}host all all 192.168.0.0/16 scram-sha-256\n`, []);
test('trust and plaintext on one host rule', finds, 'host all all 127.0.0.1/32 trust\n', [
  ['hba-trust-network', 'high'],
  ['hba-plaintext-allowed', 'medium'],
]);
test('clientcert=1 (removed in 14)', finds, `${HEAD}hostssl all all all scram-sha-256 clientcert=1\n`, [['hba-clientcert-legacy', 'high']]);
test('clientcert=1 and cert with verify-ca are valid on 12 and 13: no finding, the file is not called broken', (t) => {
  const text = `${HEAD}hostssl db1 all all scram-sha-256 clientcert=1\nhostssl db2 all all cert clientcert=verify-ca\n`;
  t.deepEqual(found(withHba(text, { major: 12 })).map((f) => f.id), []);
  t.deepEqual(found(withHba(text, { major: 13 })).map((f) => f.id), []);
  t.deepEqual(found(withHba(text, { major: 14 })).map((f) => f.id), ['hba-clientcert-legacy', 'hba-cert-verify-ca']);
});
test('a continued line on 13: syntax the server does not have yet, at the line where it starts', (t) => {
  const text = `${HEAD}hostssl all all 10.0.0.0/8 \\\n  scram-sha-256\n`;
  const on13 = found(withHba(text, { major: 13 }));
  t.deepEqual(on13.map((f) => f.id).sort(), ['hba-needs-newer-server', 'hba-parse-error']);
  t.regex(on13.find((f) => f.id === 'hba-needs-newer-server')!.evidence, /:3: .*invalid authentication method "\\".*need PostgreSQL 14/);
  t.deepEqual(found(withHba(text, { major: 14 })).map((f) => f.id), []);
});
test('cert with clientcert=verify-ca', finds, `${HEAD}hostssl all all all cert clientcert=verify-ca\n`, [['hba-cert-verify-ca', 'high']]);
test('a line the server cannot read', finds, `${HEAD}host all all 10.0.0.0/33 scram-sha-256\n`, [['hba-parse-error', 'high']]);
test('a rule that can never match is info, and its trust is moot', finds, `${HEAD}hostssl all all 0.0.0.0/0 scram-sha-256 clientcert=verify-full\nhost all all 10.0.0.0/8 trust\n`, [['hba-shadowed', 'info']]);

// Client certificates the user expects (--client-certs).
test('expect verify-full: a hostssl rule without clientcert', finds, `${HEAD}hostssl all all 10.0.0.0/8 scram-sha-256\n`, [['hba-clientcert-missing', 'medium']], { expectClientCerts: 'verify-full' });
test('expect verify-full: clientcert=verify-ca is not enough', finds, `${HEAD}hostssl all all all scram-sha-256 clientcert=verify-ca\n`, [['hba-clientcert-missing', 'medium']], { expectClientCerts: 'verify-full' });
test('expect verify-ca: clientcert=verify-ca is enough', finds, `${HEAD}hostssl all all all scram-sha-256 clientcert=verify-ca\n`, [], { expectClientCerts: 'verify-ca' });
test('expect cert: the cert method', finds, `${HEAD}hostssl all all all cert\n`, [], { expectClientCerts: 'cert' });
test('expect verify-full: the cert method implies it', finds, `${HEAD}hostssl all all all cert\n`, [], { expectClientCerts: 'verify-full' });
test('expect verify-full: reject rules ask nothing', finds, `${HEAD}hostssl all baduser all reject\nhostssl all all all cert\n`, [], { expectClientCerts: 'verify-full' });
test('no expectation: a hostssl rule without clientcert is fine', finds, `${HEAD}hostssl all all 10.0.0.0/8 scram-sha-256\n`, []);

test('errors the server reports through pg_hba_file_rules', (t) => {
  const facts = cleanFacts({ hba: { path: '/d/pg_hba.conf', from: 'pg_hba_file_rules', text: CLEAN_HBA, serverErrors: [{ line: 7, message: 'invalid authentication method "scram"' }] } });
  const [f, ...rest] = found(facts);
  t.is(rest.length, 0);
  t.is(f!.id, 'hba-server-error');
  t.regex(f!.evidence, /^\/d\/pg_hba\.conf:7 \(as pg_hba_file_rules reports it\): invalid authentication method/);
});

test('a line lint already reports is not reported twice', (t) => {
  const text = `${HEAD}host all all 10.0.0.0/33 scram-sha-256\n`;
  const facts = cleanFacts({ hba: { path: '/d/pg_hba.conf', from: 'file', text, serverErrors: [{ line: 3, message: 'invalid CIDR mask' }] } });
  t.deepEqual(found(facts).map((f) => f.id), ['hba-parse-error']);
});

test('no pg_hba.conf facts: nothing to say about it', (t) => {
  t.deepEqual(found(cleanFacts({ hba: undefined })), []);
});

test('evidence quotes the file, the line number and the line', (t) => {
  const [f] = found(withHba(`${HEAD}hostssl all all 0.0.0.0/0 trust\n`));
  t.regex(f!.evidence, /^\/etc\/pg_hba\.conf:3: hostssl all all 0\.0\.0\.0\/0 trust -- /);
});

// The md5 fix follows the manual's order (20.5) and where the server stands.
const md5Fix = (over: Partial<AuditFacts>) => found(withHba(`${HEAD}hostssl all all 0.0.0.0/0 md5\n`, over)).find((f) => f.id === 'hba-md5-network')!.fix;

test('md5 rule while password_encryption is md5: that comes first', (t) => {
  const fix = md5Fix({ settings: { ...cleanFacts().settings, password_encryption: 'md5' }, md5Roles: ['alice'] });
  t.regex(fix, /1\) password_encryption = 'scram-sha-256'.*2\) .*set-password ROLE.* for alice.*3\) .*--md5-to-scram/s);
});
test('md5 rule with roles left on md5: re-set their passwords', (t) => {
  const fix = md5Fix({ md5Roles: ['alice', 'bob'] });
  t.regex(fix, /already scram-sha-256/);
  t.regex(fix, /set-password ROLE .*for alice, bob/);
});
test('md5 rule with no role left on md5: rewrite the rules', (t) => {
  const fix = md5Fix({ md5Roles: [] });
  t.notRegex(fix, /set-password/);
  t.regex(fix, /pg-secure-setup apply BUNDLE --pgdata DATA_DIR --md5-to-scram/);
});
test('md5 rule, roles unknown: audit as a superuser first', (t) => {
  t.regex(md5Fix({ md5Roles: undefined }), /Audit as a superuser/);
});
test('the md5 fix mentions poolers', (t) => {
  t.regex(md5Fix({}), /pgbouncer's auth_type .* userlist\.txt/);
});

test('expect verify-full: a host rule lets TLS clients in too', (t) => {
  const [f, ...rest] = found(withHba(`${HEAD}host all all ::1/128 scram-sha-256\nhostnossl all all 10.0.0.0/8 scram-sha-256\n`), { expectClientCerts: 'verify-full' });
  t.is(f!.id, 'hba-clientcert-missing');
  t.regex(f!.fix, /^Make it a hostssl rule/);
  // The hostnossl rule never sees TLS (and is shadowed by the reject above it).
  t.deepEqual(rest.map((x) => x.id), ['hba-shadowed']);
});

test('expect verify-full: a rule no connection reaches is not asked for certificates', finds, `${HEAD}hostssl all all all cert\nhostssl all all 10.0.0.0/8 scram-sha-256\n`, [['hba-shadowed', 'info']], { expectClientCerts: 'verify-full' });
