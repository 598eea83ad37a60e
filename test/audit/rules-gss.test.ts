/** GSSAPI audit rule: `host ... gss` authenticates but leaves traffic plaintext; hostgssenc does not. */
import test from 'ava';
import { auditFindings, type AuditFacts } from '../../src/audit/index.js';

function facts(hba: string): AuditFacts {
  return { source: 'files', target: '/data', major: 15, settings: {}, settingSources: {}, hosts: [], unchecked: [], hba: { path: '/data/pg_hba.conf', from: 'file', text: hba } };
}

test('a host rule with gss is flagged with the hostgssenc fix; a hostgssenc rule is not', (t) => {
  const found = auditFindings(facts('local all all peer\nhost all all 10.0.0.0/8 gss include_realm=0 krb_realm=EXAMPLE.COM\n'), { now: new Date() }).filter((f) => f.id === 'hba-gss-unencrypted');
  t.is(found.length, 1);
  t.is(found[0]!.severity, 'medium');
  t.regex(found[0]!.evidence, /pg_hba\.conf:2: host all all 10\.0\.0\.0\/8 gss/);
  t.regex(found[0]!.fix, /hostgssenc[^]*before any "hostnossl \.\.\. reject" line/);
  const clean = auditFindings(facts('local all all peer\nhostgssenc all all 10.0.0.0/8 gss include_realm=0 krb_realm=EXAMPLE.COM\nhostnossl all all all reject\n'), { now: new Date() });
  t.deepEqual(clean.filter((f) => f.severity === 'high' || f.severity === 'medium').map((f) => f.id), []);
});

test('a keytab readable by others or owned by another user is high; 0600 by the server user is clean', (t) => {
  const ids = (keytabFile: AuditFacts['keytabFile']) => auditFindings({ ...facts('local all all peer\n'), ...(keytabFile ? { keytabFile } : {}) }, { now: new Date() }).map((f) => f.id);
  t.deepEqual(ids({ path: '/data/krb5.keytab', mode: 0o600, uid: 101, gid: 104, serverUid: 101 }).filter((i) => i.startsWith('keytab')), []);
  t.deepEqual(ids({ path: '/data/krb5.keytab', mode: 0o644, uid: 101, gid: 104, serverUid: 101 }).filter((i) => i.startsWith('keytab')), ['keytab-file-mode']);
  t.deepEqual(ids({ path: '/data/krb5.keytab', mode: 0o600, uid: 1000, gid: 1000, serverUid: 101 }).filter((i) => i.startsWith('keytab')), ['keytab-file-owner']);
  t.deepEqual(ids({ path: '/data/krb5.keytab', mode: 0o640, uid: 0, gid: 104, serverUid: 101 }).filter((i) => i.startsWith('keytab')), []);
});
