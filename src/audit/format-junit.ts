/**
 * The audit as JUnit XML, the format CI test views read: one test case per
 * report entry; entries at or above --fail-on are failures, the others pass
 * and carry their text in system-out.
 */
import { SEVERITIES, type AuditFacts, type AuditReport } from './types.js';
import type { FailOn } from './index.js';

/** XML 1.0 text: the five entities escaped, characters XML cannot hold dropped. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** The JUnit XML document. */
export function toJunit(report: AuditReport, facts: AuditFacts, failOn: FailOn): string {
  const limit = SEVERITIES.indexOf(failOn);
  const fails = (sev: (typeof SEVERITIES)[number]) => SEVERITIES.indexOf(sev) <= limit;
  const failures = report.findings.filter((f) => fails(f.severity)).length;
  const suite = `pg-secure-setup audit (${facts.target}, profile ${report.profile})`;
  const cases = report.findings.map((f) => {
    const head = `    <testcase classname="audit.${f.severity}" name="${xmlEscape(`${f.id}: ${f.title}`)}">`;
    const body = `${f.evidence}\nFix: ${f.fix}`;
    const inner = fails(f.severity)
      ? `      <failure type="${f.severity}" message="${xmlEscape(f.title)}">${xmlEscape(body)}</failure>`
      : `      <system-out>${xmlEscape(body)}</system-out>`;
    return `${head}\n${inner}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pg-secure-setup audit" tests="${report.findings.length}" failures="${failures}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${report.findings.length}" failures="${failures}" errors="0" skipped="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
