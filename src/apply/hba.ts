/**
 * The pg_hba.conf half of an apply: read the bundle's rules as the user left
 * them, and put them into the server's existing file where they take effect
 * (first match wins: manual 20.1 "The pg_hba.conf File"). Pure: no I/O.
 */
import {
  closeOpenRules,
  ensureLocalAdmin,
  HbaEditError,
  hbaRecords,
  insertRules,
  lintHba,
  openRules,
  parseHba,
  rewriteMd5ToScram,
  serializeHba,
  type HbaDialect,
  type HbaDocument,
  type HbaFinding,
  type HbaRule,
  type OpenRule,
} from '../hba/index.js';

/** A problem that stops the apply, naming the file and line. */
export interface HbaProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** The bundle's rules, each with the comment written above it. */
export interface BundleRules {
  readonly rules: HbaRule[];
  readonly comments: (string | undefined)[];
  /** Lines the server would reject, or that apply cannot carry (include directives). */
  readonly problems: HbaProblem[];
}

/** Read the rules of the bundle's conf/pg_hba.conf as `dialect`'s server would; `file` names it in messages. */
export function bundleRules(text: string, file: string, dialect?: HbaDialect): BundleRules {
  const doc = parseHba(text, dialect);
  const rules: HbaRule[] = [];
  const comments: (string | undefined)[] = [];
  const problems: HbaProblem[] = [];
  doc.lines.forEach((line, i) => {
    if (line.kind === 'invalid') problems.push({ file, line: line.lineNumber, message: line.error });
    else if (line.kind === 'include') problems.push({ file, line: line.lineNumber, message: `"${line.directive}" cannot be carried into the server's file: list the rules themselves` });
    if (line.kind !== 'record') return;
    // The comment lines directly above a record (no blank line between) describe it.
    const above: string[] = [];
    for (let j = i - 1; j >= 0 && doc.lines[j]!.kind === 'comment'; j--) above.unshift(doc.lines[j]!.text.replace(/^\s*#\s?/, ''));
    rules.push(line.rule);
    comments.push(above.length > 0 && isRuleComment(above) ? above.join('\n') : undefined);
  });
  if (rules.length === 0 && problems.length === 0) problems.push({ file, line: 1, message: 'no rules found' });
  return { rules, comments, problems };
}

// The column header of pg_hba.conf.sample is not a rule's comment.
function isRuleComment(lines: string[]): boolean {
  return !lines.some((l) => /^TYPE\s+DATABASE\s+USER/.test(l.trim()));
}

/** Options of planHba. */
export interface PlanHbaOptions {
  /** The server's OS user, who keeps `local ... peer` access. */
  readonly osUser: string;
  /** Rewrite md5 records of the existing file to scram-sha-256. */
  readonly md5ToScram: boolean;
  /** The server's pg_hba.conf syntax (plan/versions.ts); unset when its version is not one we know. */
  readonly dialect?: HbaDialect;
  /** Leave the server's trust and password records as they are (--keep-trust). */
  readonly keepTrust?: boolean;
}

/** The new pg_hba.conf text and what the lint says about it. */
export interface HbaPlan {
  readonly text: string;
  readonly findings: HbaFinding[];
  /** Lines of the current file the server would reject, numbered as they are now. */
  readonly problems: HbaProblem[];
  /** The bundle's `local` rules left out because the server's file has its own. */
  readonly skippedLocal: number;
  /** The server's trust/password records apply closes, by their line in the current file. */
  readonly closed: OpenRule[];
  /** Open records the new file still has (--keep-trust), by their line in the new file. */
  readonly stillOpen: OpenRule[];
}

/**
 * Insert the bundle's rules into the server's file. Unless `keepTrust`, the
 * server's trust and password records are closed first (hba-trust.ts: local
 * trust becomes peer, network trust/password become scram-sha-256), so the
 * bundle's TLS and SCRAM rules are not undone by a record that asks for
 * nothing. The bundle's `local` records are left out when the server already
 * has local records: the administrator's socket rules (now without trust)
 * are the server's own, and ensureLocalAdmin keeps the OS user's way in.
 */
export function planHba(current: string, bundle: BundleRules, file: string, opts: PlanHbaOptions): HbaPlan {
  let doc: HbaDocument = parseHba(current, opts.dialect);
  // Lines the server would reject are named by their number in the file as it is now: nothing gets written.
  const problems = doc.lines.flatMap((l) => (l.kind === 'invalid' ? [{ file, line: l.lineNumber, message: l.error }] : []));
  const hasLocal = hbaRecords(doc).some((r) => r.rule.type === 'local') || doc.lines.some((l) => l.kind === 'include');
  const keep = bundle.rules.map((r) => !(hasLocal && r.type === 'local'));
  const rules = bundle.rules.filter((_, i) => keep[i]);
  const comments = bundle.comments.filter((_, i) => keep[i]);
  if (opts.md5ToScram) doc = rewriteMd5ToScram(doc);
  let closed: OpenRule[] = [];
  if (!opts.keepTrust) ({ doc, changes: closed } = closeOpenRules(doc));
  try {
    doc = insertRules(doc, rules, { comments });
    doc = ensureLocalAdmin(doc, opts.osUser);
  } catch (err) {
    // e.g. a marked block without its end: an edit we cannot make safely.
    if (!(err instanceof HbaEditError)) throw err;
    return { text: current, findings: [], problems: [{ file, line: 0, message: err.message }], skippedLocal: 0, closed: [], stillOpen: [] };
  }
  return {
    text: serializeHba(doc),
    findings: lintHba(doc, opts.dialect ? { dialect: opts.dialect } : {}),
    problems,
    skippedLocal: keep.filter((k) => !k).length,
    closed,
    stillOpen: openRules(doc),
  };
}

/** The raw text of a line of pg_hba.conf, to quote in a message about it. */
export function hbaLineText(text: string, line: number): string | undefined {
  return text.split('\n')[line - 1]?.replace(/\r$/, '');
}

/**
 * Where a line of the new file was in the file as it was: the server numbers
 * the new file, but a failed check puts the old one back, which is the one
 * the user opens. Undefined when the line is new or its text is not unique.
 */
export function lineBefore(before: string, after: string, line: number): number | undefined {
  const text = hbaLineText(after, line);
  if (text === undefined || text.trim() === '') return undefined;
  const lines = before.split('\n').map((l) => l.replace(/\r$/, ''));
  const at = lines.indexOf(text);
  return at >= 0 && lines.indexOf(text, at + 1) < 0 ? at + 1 : undefined;
}
