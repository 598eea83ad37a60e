/**
 * One report entry per problem: the same finding on several lines (or
 * files) becomes one entry listing every place, with its fix once; entries
 * sorted by severity, then in the order the rules found them.
 */
import { profilesFor } from './profiles.js';
import { SEVERITIES, type Finding, type ReportFinding } from './types.js';

/** Group findings that share id, title and fix. */
export function groupFindings(findings: readonly Finding[]): ReportFinding[] {
  const groups = new Map<string, { first: Finding; evidence: string[]; locations: NonNullable<Finding['location']>[]; order: number }>();
  findings.forEach((f, order) => {
    const key = `${f.id}\u0000${f.severity}\u0000${f.title}\u0000${f.fix}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { first: f, evidence: [], locations: [], order }));
    g.evidence.push(f.evidence);
    if (f.location) g.locations.push(f.location);
  });
  const rank = (f: Finding) => SEVERITIES.indexOf(f.severity);
  return [...groups.values()]
    .sort((a, b) => rank(a.first) - rank(b.first) || a.order - b.order)
    .map(({ first, evidence, locations }) => {
      const { location: _one, ...rest } = first;
      return { ...rest, evidence: evidence.join('\n'), locations, occurrences: evidence.length, profiles: profilesFor(first.id) };
    });
}
