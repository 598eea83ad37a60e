/**
 * pg_ident.conf for a GSSAPI bundle's --gss-map (20.2 User Name Maps): the
 * bundle's lines are checked (only its own map, three fields), then kept in
 * one marked block of the server's file; every other byte stays as it was.
 */
import { IDENT_BEGIN as BEGIN, IDENT_END as END, IDENT_MAP } from '../plan/gss.js';
import type { BundleProblem } from './bundle-check.js';

function records(text: string): { line: number; fields: string[] }[] {
  return text
    .split('\n')
    .map((l, i) => ({ line: i + 1, fields: l.replace(/#.*$/, '').trim().split(/\s+/).filter(Boolean) }))
    .filter((r) => r.fields.length > 0);
}

/** Problems of conf/pg_ident.conf: lines of another map, or not MAP PRINCIPAL ROLE, would grant logins generate never wrote. */
export function checkBundleIdent(text: string): BundleProblem[] {
  return records(text).flatMap((r) => {
    const where = `conf/pg_ident.conf:${r.line}`;
    if (r.fields.length !== 3) return [{ where, message: 'a map line is MAPNAME SYSTEM-USERNAME PG-USERNAME' }];
    if (r.fields[0] !== IDENT_MAP) return [{ where, message: `map "${r.fields[0]}" is not the bundle's (${IDENT_MAP}): a bundle adds only its own map` }];
    if (/^[/"]|\\/.test(r.fields[1]!) || /^[+/"]|\\/.test(r.fields[2]!)) return [{ where, message: 'a regular expression, quoted name or group is not a line generate writes' }];
    return [];
  });
}

/** The server's pg_ident.conf (latin1, one character per byte) with the bundle's map lines in the marked block. */
export function mergeIdent(current: string, bundleText: string): string {
  const lines = records(bundleText).map((r) => r.fields.join('  '));
  const block = [BEGIN, ...lines, END].join('\n');
  // The block is the last BEGIN before the first END: a stray BEGIN above it (an edit cut short) and the lines after that stay.
  const end = current.indexOf(END);
  const start = end >= 0 ? current.lastIndexOf(BEGIN, end) : -1;
  if (start >= 0) return current.slice(0, start) + block + current.slice(end + END.length);
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  return `${current}${sep}${block}\n`;
}
