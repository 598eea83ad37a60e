import test from 'ava';
import { auditExitCode, auditFindings, summarize, type Finding } from '../../src/audit/index.js';
import { serverPrefill } from '../../src/audit/prefill.js';
import { buildReport, renderText, wantColor } from '../../src/audit/report.js';
import { cleanFacts, OPTS } from './facts.js';

const f = (id: Finding['id'], severity: Finding['severity']): Finding => ({ id, severity, title: 't', evidence: 'e', fix: 'x' });

test('exit code: 0 with no finding or info only, 1 otherwise', (t) => {
  t.is(auditExitCode([]), 0);
  t.is(auditExitCode([f('hba-shadowed', 'info'), f('live-checks-skipped', 'info')]), 0);
  t.is(auditExitCode([f('hba-shadowed', 'info'), f('not-superuser', 'low')]), 1);
  t.is(auditExitCode([f('ssl-off', 'high')]), 1);
});

test('summary counts every severity', (t) => {
  t.deepEqual(summarize([f('ssl-off', 'high'), f('md5-roles', 'high'), f('not-checked', 'info')]), { high: 2, medium: 0, low: 0, info: 1 });
});

test('the JSON report: {server, findings, summary}, without the pg_hba.conf text', (t) => {
  const facts = cleanFacts({ settings: { ...cleanFacts().settings, ssl: 'off' } });
  const report = JSON.parse(JSON.stringify(buildReport(facts, auditFindings(facts, OPTS)))) as Record<string, unknown>;
  t.deepEqual(Object.keys(report), ['server', 'findings', 'summary', 'profile']);
  const server = report.server as Record<string, unknown>;
  t.deepEqual(server.hba, { path: '/etc/postgresql/15/main/pg_hba.conf', from: 'file' });
  t.is(server.major, 15);
  t.deepEqual(server.md5Roles, []);
  t.deepEqual(Object.keys((report.findings as object[])[0]!), ['id', 'severity', 'title', 'evidence', 'fix', 'locations', 'occurrences', 'profiles']);
  t.deepEqual(report.summary, { high: 1, medium: 0, low: 0, info: 0 });
});

test('the text report groups by severity, plain without colour', (t) => {
  const facts = cleanFacts({ settings: { ...cleanFacts().settings, ssl: 'off', password_encryption: 'md5' } });
  const report = buildReport(facts, auditFindings(facts, OPTS));
  const text = renderText(report, facts, { color: false });
  t.notRegex(text, /\u001B\[/);
  t.regex(text, /^pg-secure-setup audit: PostgreSQL 15\.4, connected to 10\.0\.0\.5:5432 as postgres: 1 high, 1 medium, 0 low, 0 info \(profile default\)\n/);
  t.true(text.indexOf('HIGH') < text.indexOf('[ssl-off]') && text.indexOf('[ssl-off]') < text.indexOf('MEDIUM') && text.indexOf('MEDIUM') < text.indexOf('[password-encryption]'));
  t.regex(text, /2 finding\(s\) need action\.\n$/);
  t.regex(renderText(report, facts, { color: true }), /\u001B\[31m\[ssl-off\]/);
});

test('the text report of a clean server says so', (t) => {
  const facts = cleanFacts();
  t.regex(renderText(buildReport(facts, []), facts, { color: false }), /Clean: no finding needs action\.\n$/);
});

test('colour only on a terminal without NO_COLOR', (t) => {
  t.true(wantColor({}, true));
  t.false(wantColor({}, false));
  t.false(wantColor({ NO_COLOR: '1' }, true));
  t.true(wantColor({ NO_COLOR: '' }, true));
});

test('serverPrefill: version, hosts from the certificate, md5 roles, paths', (t) => {
  const pre = serverPrefill(cleanFacts({ md5Roles: ['alice'], configFile: '/etc/postgresql/15/main/postgresql.conf', hbaFile: '/etc/postgresql/15/main/pg_hba.conf' }));
  t.deepEqual(pre.answers, { pgVersion: 15, hosts: ['db.example.com', '*.db.example.com', '10.0.0.5', '::1'] });
  t.deepEqual(pre.settled, ['pgVersion']);
  t.deepEqual(pre.md5Roles, ['alice']);
  t.is(pre.migration, 'reset-passwords');
  t.deepEqual(pre.paths, { dataDirectory: '/var/lib/postgresql/15/main', configFile: '/etc/postgresql/15/main/postgresql.conf', hbaFile: '/etc/postgresql/15/main/pg_hba.conf' });
});

test('serverPrefill: an unknown version is not settled; TLSv1.3 is kept', (t) => {
  const pre = serverPrefill(cleanFacts({ major: 11, certificate: undefined, md5Roles: undefined, settings: { ssl_min_protocol_version: 'TLSv1.3', password_encryption: 'md5' } }));
  t.deepEqual(pre.answers, { minTls: 'TLSv1.3' });
  t.deepEqual(pre.settled, []);
  t.is(pre.md5Roles, undefined);
  t.is(pre.migration, 'password-encryption');
});

test('the JSON report has exactly the keys templates/audit-report.schema.json requires', async (t) => {
  const { readFile } = await import('node:fs/promises');
  type Obj = { required: string[]; properties: Record<string, Obj & { items?: Obj }> };
  const schema = JSON.parse(await readFile(new URL('../../templates/audit-report.schema.json', import.meta.url), 'utf8')) as Obj;
  const facts = cleanFacts({ settings: { ...cleanFacts().settings, ssl: 'off' }, hba: { path: '/h', from: 'file', text: 'host all all 10.0.0.0/8 md5\n' } });
  const report = JSON.parse(JSON.stringify(buildReport(facts, auditFindings(facts, OPTS)))) as Record<string, unknown>;
  t.deepEqual(Object.keys(report).sort(), [...schema.required].sort());
  const item = schema.properties.findings!.items!;
  for (const f of report.findings as Record<string, unknown>[]) {
    t.deepEqual(Object.keys(f).sort(), [...item.required].sort());
    for (const l of f.locations as Record<string, unknown>[]) t.true(Object.keys(l).every((k) => k in item.properties.locations!.items!.properties));
  }
  for (const k of schema.properties.server!.required) t.true(k in (report.server as object), k);
});
