/**
 * The bundle README's section for each role under "## Connect": `### ROLE`
 * up to the next `##` or `###` heading (its `####` subsections belong to
 * it). `issue` adds one and `revoke` turns one into a note, both by these
 * bounds, so the sections after "Connect" (Servers, Standby) stay as they
 * are, and whatever else the user edited too.
 */

const SECTION_END = /^#{2,3} /;

/** The heading of a role's section. */
export const roleHeading = (role: string): string => `### ${role}`;

/** The heading of the note a revoked role's section becomes. */
export const revokedHeading = (role: string): string => `### ${role} (revoked)`;

/** Lines [start, end) of the section under `heading`; undefined when there is none. */
export function sectionSpan(lines: readonly string[], heading: string): { start: number; end: number } | undefined {
  const start = lines.indexOf(heading);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !SECTION_END.test(lines[end]!)) end++;
  return { start, end };
}

/** A section's lines without the blank lines that end it. */
export function sectionBody(lines: readonly string[], span: { start: number; end: number }): string[] {
  let end = span.end;
  while (end > span.start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(span.start, end);
}

/**
 * `lines` with a role's section added at the end of "## Connect", after the
 * roles already there; at the end when the README has no such section.
 */
export function withRoleSection(lines: readonly string[], section: readonly string[]): string[] {
  const out = [...lines];
  const connect = out.indexOf('## Connect');
  let at = out.length;
  if (connect >= 0) {
    at = connect + 1;
    while (at < out.length && !/^## /.test(out[at]!)) at++;
  }
  // After the section's last line, keeping the blank lines that follow it.
  while (at > 0 && out[at - 1]!.trim() === '') at--;
  out.splice(at, 0, '', ...section);
  return out;
}
