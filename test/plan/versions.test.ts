import test from 'ava';
import { PG_VERSIONS, type PgVersion } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import { planHbaRules } from '../../src/plan/hba-rules.js';
import { planSettings } from '../../src/plan/settings.js';
import { versionTraits } from '../../src/plan/versions.js';
import { formatRule, parseHba } from '../../src/hba/index.js';

const byVersion = test.macro({
  exec(t, version: PgVersion, expected: { groups: 'ssl_groups' | 'ssl_ecdh_curve'; legacyClientcert: boolean; continuations: boolean; includes: boolean }) {
    const v = versionTraits(version);
    t.is(v.groupsSetting, expected.groups);
    t.is(v.hba.clientcertValues.includes('1'), expected.legacyClientcert);
    t.is(v.hba.continuations, expected.continuations);
    t.is(v.hba.includes, expected.includes);
    t.is(v.hba.server, `PostgreSQL ${version}`);
    const settings = planSettings(completeAnswers({ pgVersion: version }, {}));
    t.true(settings.some((s) => s.name === expected.groups));
    t.false(settings.some((s) => s.name === (expected.groups === 'ssl_groups' ? 'ssl_ecdh_curve' : 'ssl_groups')));
  },
  title: (_t, version) => `PostgreSQL ${version}: the version table and the settings agree`,
});

test(byVersion, 12, { groups: 'ssl_ecdh_curve', legacyClientcert: true, continuations: false, includes: false });
test(byVersion, 13, { groups: 'ssl_ecdh_curve', legacyClientcert: true, continuations: false, includes: false });
test(byVersion, 14, { groups: 'ssl_ecdh_curve', legacyClientcert: false, continuations: true, includes: false });
test(byVersion, 15, { groups: 'ssl_ecdh_curve', legacyClientcert: false, continuations: true, includes: false });
test(byVersion, 16, { groups: 'ssl_ecdh_curve', legacyClientcert: false, continuations: true, includes: true });
test(byVersion, 17, { groups: 'ssl_ecdh_curve', legacyClientcert: false, continuations: true, includes: true });
test(byVersion, 18, { groups: 'ssl_groups', legacyClientcert: false, continuations: true, includes: true });

for (const version of PG_VERSIONS) {
  test(`PostgreSQL ${version}: no rule says clientcert=1 or md5, cert never carries verify-ca`, (t) => {
    for (const clientCerts of ['none', 'verify-ca', 'verify-full', 'cert'] as const) {
      const lines = planHbaRules(completeAnswers({ pgVersion: version, clientCerts }, {})).map((r) => formatRule(r.rule));
      for (const line of lines) {
        t.notRegex(line, /clientcert=[01]|\bmd5\b/);
        if (/\scert$/.test(line) || /\scert\s/.test(line)) t.notRegex(line, /clientcert=verify-ca/);
        if (clientCerts !== 'none' && line.startsWith('hostssl')) t.true(versionTraits(version).hba.clientcertValues.includes('verify-full'));
      }
    }
  });
}

for (const version of PG_VERSIONS) {
  test(`PostgreSQL ${version}: every rule the plan writes is one that version's server reads`, (t) => {
    for (const clientCerts of ['none', 'verify-ca', 'verify-full', 'cert'] as const) {
      const text = planHbaRules(completeAnswers({ pgVersion: version, clientCerts }, {})).map((r) => `${formatRule(r.rule)}\n`).join('');
      t.deepEqual(parseHba(text, versionTraits(version).hba).lines.filter((l) => l.kind !== 'record'), [], clientCerts);
    }
  });
}

test('password_encryption is scram-sha-256 and the minimum TLS version is the answer', (t) => {
  const s = planSettings(completeAnswers({ minTls: 'TLSv1.3' }, {}));
  t.is(s.find((x) => x.name === 'password_encryption')?.value, 'scram-sha-256');
  t.is(s.find((x) => x.name === 'ssl_min_protocol_version')?.value, 'TLSv1.3');
});

test('built-in defaults an audit of files relies on: md5 until 13, TLSv1 only in 12', (t) => {
  t.deepEqual(
    PG_VERSIONS.map((v) => [v, versionTraits(v).defaultPasswordEncryption, versionTraits(v).defaultMinTls]),
    [
      [12, 'md5', 'TLSv1'],
      [13, 'md5', 'TLSv1.2'],
      [14, 'scram-sha-256', 'TLSv1.2'],
      [15, 'scram-sha-256', 'TLSv1.2'],
      [16, 'scram-sha-256', 'TLSv1.2'],
      [17, 'scram-sha-256', 'TLSv1.2'],
      [18, 'scram-sha-256', 'TLSv1.2'],
    ],
  );
});
