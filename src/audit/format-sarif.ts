/**
 * The audit as SARIF 2.1.0 (OASIS Static Analysis Results Interchange
 * Format), the format code-scanning dashboards read: one rule per finding
 * id, one result per report entry, every place it occurs as a location.
 */
import { pathToFileURL } from 'node:url';
import { TOOL_VERSION } from '../package-info.js';
import type { AuditFacts, AuditReport, FindingLocation, Severity } from './types.js';

/** SARIF levels: error fails a code-scanning check, note does not. */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { high: 'error', medium: 'warning', low: 'note', info: 'note' };

function location(l: FindingLocation) {
  return { physicalLocation: { artifactLocation: { uri: pathToFileURL(l.path).href }, region: { startLine: l.line ?? 1 } } };
}

/** The SARIF log as a JSON-able object. Findings seen in no file point at postgresql.conf (or the data directory). */
export function toSarif(report: AuditReport, facts: AuditFacts): Record<string, unknown> {
  const ids = [...new Set(report.findings.map((f) => f.id))];
  const fallback = facts.configFile ?? facts.hbaFile ?? facts.dataDirectory ?? facts.target;
  const rules = ids.map((id) => {
    const f = report.findings.find((x) => x.id === id)!;
    return {
      id,
      shortDescription: { text: f.title },
      help: { text: f.fix },
      defaultConfiguration: { level: LEVEL[f.severity] },
      properties: { severity: f.severity, profiles: f.profiles },
    };
  });
  const results = report.findings.map((f) => ({
    ruleId: f.id,
    ruleIndex: ids.indexOf(f.id),
    level: LEVEL[f.severity],
    message: { text: `${f.title}\n${f.evidence}\nFix: ${f.fix}` },
    locations: (f.locations.length > 0 ? f.locations : [{ path: fallback }]).map(location),
    properties: { severity: f.severity, occurrences: f.occurrences, profiles: f.profiles },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pg-secure-setup audit', version: TOOL_VERSION, informationUri: 'https://www.npmjs.com/package/pg-secure-setup', rules } },
        results,
        properties: { profile: report.profile, summary: report.summary },
      },
    ],
  };
}
