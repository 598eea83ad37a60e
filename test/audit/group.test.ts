import test from 'ava';
import { auditFindings } from '../../src/audit/index.js';
import { buildReport, renderText } from '../../src/audit/report.js';
import { cleanFacts, OPTS } from './facts.js';

// A fresh initdb cluster's trust lines: the same finding on four lines.
const INITDB = 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal replication all trust\nhost replication all 127.0.0.1/32 trust\nhost replication all ::1/128 trust\n';

test('the same finding on several lines is one entry with every line and its fix once', (t) => {
  const facts = cleanFacts({ hba: { path: '/d/pg_hba.conf', from: 'file', text: INITDB } });
  const report = buildReport(facts, auditFindings(facts, OPTS));
  const trust = report.findings.filter((f) => f.id === 'hba-trust-network');
  t.is(trust.length, 1);
  t.is(trust[0]!.occurrences, 4);
  t.deepEqual(trust[0]!.locations.map((l) => l.line), [2, 3, 5, 6]);
  t.deepEqual(trust[0]!.profiles, ['default', 'cis', 'dev-sec']);
  t.is(report.summary.high, new Set(report.findings.filter((f) => f.severity === 'high').map((f) => f.id)).size);
  const text = renderText(report, facts, { color: false });
  t.is(text.split('Use scram-sha-256 or cert on a hostssl record').length - 1, 1, 'the trust fix once');
  t.regex(text, /\[hba-trust-network\] .* \(4 places\)\n {6}evidence:\n {8}- \/d\/pg_hba\.conf:2: host all all 127\.0\.0\.1\/32 trust/);
  const order = report.findings.map((f) => f.severity);
  t.deepEqual(order, [...order].sort((a, b) => ['high', 'medium', 'low', 'info'].indexOf(a) - ['high', 'medium', 'low', 'info'].indexOf(b)));
});

test('the text report says which profiles want a finding that not all of them want', (t) => {
  const facts = cleanFacts({ hba: { path: '/d/pg_hba.conf', from: 'file', text: 'local all all peer\nhostnossl all all all reject\nhostssl all all 10.0.0.0/8 cert\n' } });
  const text = renderText(buildReport(facts, auditFindings(facts, { ...OPTS, profile: 'dev-sec' }), 'dev-sec'), facts, { color: false });
  t.regex(text, /\[hba-reject-line\][^\n]*\n(?: {6}[^\n]*\n)* {6}wanted by: dev-sec\n/);
  t.regex(text, /\(profile dev-sec\)\n/);
});
