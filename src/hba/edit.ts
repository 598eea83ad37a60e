/**
 * Edits of a parsed pg_hba.conf. Each returns a new document; lines an edit
 * does not touch keep their exact bytes. The server uses the first record
 * that matches a connection and never falls through to a later one (Client
 * Authentication, "The pg_hba.conf File"), so where a rule goes matters as
 * much as what it says.
 */
import { formatRule, type HbaRule } from './model.js';
import { lineSegments, parseHbaLine, relocateLine, type HbaDocument, type HbaEol, type HbaLine, type HbaRecordLine } from './parse.js';

/** An edit that cannot be made safely, e.g. a managed block with no end marker. */
export class HbaEditError extends Error {
  override name = 'HbaEditError';
  constructor(
    message: string,
    /** The line the problem is on, when there is one. */
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Options of insertRules. */
export interface InsertRulesOptions {
  /** Name in the marker comments around the block. @default 'pg-secure-setup' */
  readonly marker?: string;
  /** A comment written above each rule (index-aligned with the rules); may span lines. */
  readonly comments?: readonly (string | undefined)[];
}

/** The marker comments around a managed block. */
export function blockMarkers(marker = 'pg-secure-setup'): { begin: string; end: string } {
  return { begin: `# BEGIN ${marker}`, end: `# END ${marker}` };
}

// Fix line numbers after lines were added or removed; unchanged lines keep their object.
function renumber(lines: HbaLine[]): HbaLine[] {
  let n = 1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.lineNumber !== n) lines[i] = relocateLine(line, n);
    n += line.span;
  }
  return lines;
}

function commentLines(text: string, markers: { begin: string; end: string }): string[] {
  return text.split(/\r?\n/).map((l) => {
    const line = l.trim() === '' ? '#' : `# ${l}`;
    // A trailing backslash would pull the rule below into the comment; a marker would break the block.
    if (/[\\\r\0]$|[\r\0]/.test(line) || line.trim() === markers.begin || line.trim() === markers.end) {
      throw new HbaEditError(`comment line not allowed in pg_hba.conf block: ${JSON.stringify(l)}`);
    }
    return line;
  });
}

/** Where the marked block is: [begin, end] indices, undefined when absent. */
export function findBlock(doc: HbaDocument, marker?: string): [number, number] | undefined {
  const { begin, end } = blockMarkers(marker);
  const begins: number[] = [];
  const ends: number[] = [];
  doc.lines.forEach((line, i) => {
    if (line.kind !== 'comment') return;
    const t = line.text.trim();
    if (t === begin) begins.push(i);
    else if (t === end) ends.push(i);
  });
  if (begins.length === 0 && ends.length === 0) return undefined;
  if (begins.length !== 1 || ends.length !== 1 || begins[0]! > ends[0]!) {
    const first = doc.lines[Math.min(begins[0] ?? Infinity, ends[0] ?? Infinity)]!;
    throw new HbaEditError(`pg_hba.conf has ${begins.length} "${begin}" and ${ends.length} "${end}" lines: fix the block by hand before editing`, first.lineNumber);
  }
  return [begins[0]!, ends[0]!];
}

type Family = 'local' | 'network';

function lineFamily(line: HbaLine): Family | 'unknown' | undefined {
  if (line.kind === 'record') return line.rule.type === 'local' ? 'local' : 'network';
  // An included file may hold any record; an invalid line of a known type keeps its place.
  if (line.kind === 'include') return 'unknown';
  if (line.kind === 'invalid' && line.type) return line.type === 'local' ? 'local' : 'network';
  return undefined;
}

/**
 * Index to insert before so a new line lands above line `at` together with
 * the comment lines written directly above it, unless those comments start
 * the file (then they are the file's header and stay first).
 */
function aboveComments(lines: readonly HbaLine[], at: number): number {
  let i = at;
  while (i > 0 && lines[i - 1]!.kind === 'comment') i--;
  return i === 0 ? at : i;
}

// Insert `raws` before index `at`, with the document's line ending; keeps a missing final newline missing.
function spliceLines(doc: HbaDocument, at: number, removeCount: number, raws: readonly string[], lastEol?: HbaEol): HbaDocument {
  const lines = doc.lines.slice();
  let finalEol: HbaEol = lastEol ?? doc.eol;
  const prev = removeCount === 0 && at > 0 ? lines[at - 1]! : undefined;
  if (prev && at === lines.length) {
    if (prev.eol === '') finalEol = '';
    // A last line ending in a backslash would continue into the new lines: end it with an empty line.
    const continues = /\\\r*$/.test(prev.raw);
    if (continues) lines[at - 1] = parseHbaLine(prev.raw + (prev.eol || doc.eol), doc.eol, prev.lineNumber);
    else if (prev.eol === '') lines[at - 1] = relocateLine(prev, prev.lineNumber, doc.eol);
  }
  const added = raws.map((raw, i) => parseHbaLine(raw, i === raws.length - 1 ? finalEol : doc.eol, 0));
  lines.splice(at, removeCount, ...added);
  return { lines: renumber(lines), eol: doc.eol };
}

/**
 * Put `rules` in a marked block where they take effect: before the first
 * existing record they must override (the first network record for network
 * rules, the first local record if a local rule is among them; an include
 * counts as both), so after the leading local records. If the block is
 * already there it is replaced in place, so the same call twice gives the
 * same text.
 */
export function insertRules(doc: HbaDocument, rules: readonly HbaRule[], opts: InsertRulesOptions = {}): HbaDocument {
  const { begin, end } = blockMarkers(opts.marker);
  const block = [begin];
  rules.forEach((rule, i) => {
    const comment = opts.comments?.[i];
    if (comment !== undefined) block.push(...commentLines(comment, { begin, end }));
    block.push(formatRule(rule));
  });
  block.push(end);

  const existing = findBlock(doc, opts.marker);
  if (existing) {
    const [from, to] = existing;
    return spliceLines(doc, from, to - from + 1, block, doc.lines[to]!.eol);
  }
  const families = new Set<Family>(rules.map((r) => (r.type === 'local' ? 'local' : 'network')));
  const target = doc.lines.findIndex((line) => {
    const f = lineFamily(line);
    return f === 'unknown' || (f !== undefined && families.has(f));
  });
  return spliceLines(doc, target < 0 ? doc.lines.length : aboveComments(doc.lines, target), 0, block);
}

const SCRAM = 'scram-sha-256';

// Replace the method token of a record, keeping the columns after it where they were.
function replaceMethod(line: HbaRecordLine, method: string): string {
  let start = line.methodStart;
  let end = line.methodEnd;
  if (line.span > 1) {
    const segs = lineSegments(line.raw);
    const toRaw = (offset: number, isEnd: boolean): number => {
      let seg = segs[0]!;
      for (const s of segs) if (isEnd ? s.logical < offset : s.logical <= offset) seg = s;
      return seg.raw + (offset - seg.logical);
    };
    start = toRaw(start, false);
    end = toRaw(end, true);
  }
  const raw = line.raw;
  let restStart = end;
  while (raw.charCodeAt(restStart) === 32) restStart++;
  const gap = restStart - end;
  const next = raw.charCodeAt(restStart); // NaN at the end of the line
  const delta = method.length - (end - start);
  let spaces = gap;
  // Take the extra width out of a run of spaces before more text; tabs and line ends stay as they are.
  if (gap > 0 && restStart < raw.length && next !== 9 && next !== 13 && next !== 92) spaces = Math.max(1, gap - delta);
  return raw.slice(0, start) + method + ' '.repeat(spaces) + raw.slice(restStart);
}

/** Every record using md5 switches to scram-sha-256; alignment of later columns is kept where spaces allow. */
export function rewriteMd5ToScram(doc: HbaDocument): HbaDocument {
  let changed = false;
  const lines = doc.lines.map((line): HbaLine => {
    if (line.kind !== 'record' || line.rule.method !== 'md5') return line;
    changed = true;
    const raw = replaceMethod(line, SCRAM);
    if (line.span > 1 || line.text !== line.raw) return parseHbaLine(raw, line.eol, line.lineNumber);
    // One physical line read as written: only the method and the blanks after it changed,
    // and a record valid with md5 is valid with scram-sha-256 (same options).
    const { kind, lineNumber, span, eol, comment, methodStart } = line;
    // A plain copy, then a key it already has: faster than a spread with an override.
    const rule = { ...line.rule };
    rule.method = SCRAM;
    return { kind, lineNumber, span, raw, eol, text: raw, comment, rule, methodStart, methodEnd: methodStart + SCRAM.length };
  });
  return changed ? { lines: renumber(lines), eol: doc.eol } : doc;
}

/**
 * Rewrite the method of every record `pick` names a new method for; other
 * lines keep their bytes, later columns keep their place where spaces allow.
 * The caller keeps options valid for the new method.
 */
export function rewriteMethods(doc: HbaDocument, pick: (line: HbaRecordLine) => string | undefined): HbaDocument {
  let changed = false;
  const lines = doc.lines.map((line): HbaLine => {
    const method = line.kind === 'record' ? pick(line) : undefined;
    if (line.kind !== 'record' || method === undefined || method === line.rule.method) return line;
    changed = true;
    return parseHbaLine(replaceMethod(line, method), line.eol, line.lineNumber);
  });
  return changed ? { lines: renumber(lines), eol: doc.eol } : doc;
}

// Whether a user entry might match the role (+group, /regex and @file might).
function mayMatchUser(rule: HbaRule, user: string): boolean {
  return rule.users.some((u, i) => {
    if (u === user) return true;
    if (rule.quoted?.users?.[i]) return false;
    return u === 'all' || u.startsWith('+') || u.startsWith('/') || (u.startsWith('@') && u.length > 1);
  });
}

function surelyMatchesUser(rule: HbaRule, user: string): boolean {
  return rule.users.some((u, i) => (u === 'all' && !rule.quoted?.users?.[i]) || (u === user && (rule.quoted?.users?.[i] || !(u.startsWith('+') || u.startsWith('@')))));
}

const unquoted = (rule: HbaRule, i: number): boolean => !rule.quoted?.databases?.[i];

/**
 * Make sure the server's OS user (e.g. postgres) can still connect over the
 * Unix socket with peer: unless the first local record that could match it
 * for ordinary databases certainly lets it in (all databases, peer or ident,
 * no map), add `local all <osUser> peer` above every record.
 */
export function ensureLocalAdmin(doc: HbaDocument, osUser: string): HbaDocument {
  for (const line of doc.lines) {
    if (line.kind === 'include') break; // an included file may hold anything: be sure
    if (line.kind !== 'record' || line.rule.type !== 'local') continue;
    const { rule } = line;
    // A list of only the replication keyword never matches an ordinary connection.
    const ordinary = rule.databases.some((d, i) => !(d === 'replication' && unquoted(rule, i)));
    if (!ordinary || !mayMatchUser(rule, osUser)) continue;
    const allDbs = rule.databases.some((d, i) => d === 'all' && unquoted(rule, i));
    const peer = rule.method === 'peer' || rule.method === 'ident';
    if (allDbs && peer && surelyMatchesUser(rule, osUser) && rule.options.length === 0) return doc;
    break;
  }
  const rule: HbaRule = { type: 'local', databases: ['all'], users: [osUser], method: 'peer', options: [], quoted: { users: [true] } };
  const raws = [`# ${osUser} keeps administrative access over the Unix socket (pg-secure-setup)`, formatRule(rule)];
  const first = doc.lines.findIndex((l) => l.kind === 'record' || l.kind === 'include' || l.kind === 'invalid');
  return spliceLines(doc, first < 0 ? doc.lines.length : aboveComments(doc.lines, first), 0, raws);
}
