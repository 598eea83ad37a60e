import test from 'ava';
import { auditFindings } from '../../src/audit/index.js';
import { toJunit, xmlEscape } from '../../src/audit/format-junit.js';
import { buildReport } from '../../src/audit/report.js';
import { cleanFacts, OPTS } from './facts.js';
import { parseXml, type XmlElement } from '../helpers/xml.js';

const all = (e: XmlElement, name: string): XmlElement[] => [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))];

test('JUnit XML parses; one test case per finding; failures follow --fail-on', (t) => {
  const facts = cleanFacts({ settings: { ...cleanFacts().settings, ssl: 'off', password_encryption: 'md5' }, unchecked: [{ what: 'pg_hba.conf', cause: 'unreadable', detail: 'a <b> & "c"' }] });
  const report = buildReport(facts, auditFindings(facts, OPTS));
  for (const [failOn, failures] of [['low', 2], ['medium', 2], ['high', 1]] as const) {
    const doc = parseXml(toJunit(report, facts, failOn));
    t.is(doc.name, 'testsuites');
    const cases = all(doc, 'testcase');
    t.is(cases.length, report.findings.length);
    t.is(all(doc, 'failure').length, failures);
    t.is(doc.attributes.failures, String(failures));
  }
  const doc = parseXml(toJunit(report, facts, 'low'));
  const info = all(doc, 'testcase').find((c) => c.attributes.name!.startsWith('not-checked'))!;
  t.regex(all(info, 'system-out')[0]!.text, /a <b> & "c"/);
  t.is(xmlEscape('a\u0000b<'), 'ab&lt;');
});
