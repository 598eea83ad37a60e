/**
 * pg_hba.conf text to a document and back, byte for byte. Every line keeps
 * its raw text; the parsed view follows the server's own reader (Client
 * Authentication, "The pg_hba.conf File", and src/backend/libpq/hba.c):
 * tokenize_auth_file, next_token and parse_hba_line. Pure: no I/O, so @file
 * lists and include directives are recorded, not followed.
 */
import { cidrBits, ipFamily } from './hba-address.js';
import { ADDRESS_KEYWORDS, HBA_TYPES, type HbaRule, type HbaType } from './hba-model.js';

/** One token as the server reads it. */
export interface HbaToken {
  /** Text with quotes removed ("" inside quotes is one "). */
  readonly value: string;
  /** Began with a double quote: then never a keyword, +group or @file. */
  readonly quoted: boolean;
  /** Offsets of the token in the line's logical text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

/** A field: one token, or several separated by commas. */
export type HbaField = readonly HbaToken[];

/** A line ending as found in the file; '' for a last line without one. */
export type HbaEol = '' | '\n' | '\r\n';

/** The include directives (PostgreSQL 16): a line of exactly two fields starting with one of these. */
export const HBA_INCLUDE_DIRECTIVES = ['include', 'include_if_exists', 'include_dir'] as const;
export type HbaIncludeDirective = (typeof HBA_INCLUDE_DIRECTIVES)[number];

/** What lint reports an invalid line as. */
export type HbaErrorCode = 'parse-error' | 'clientcert-legacy' | 'cert-verify-ca';

interface HbaLineBase {
  /** 1-based number of the line's first physical line. */
  readonly lineNumber: number;
  /** Physical lines it spans: more than 1 with backslash continuations. */
  readonly span: number;
  /** The text as in the file, continuations included, without the final line ending. */
  readonly raw: string;
  readonly eol: HbaEol;
  /** The logical line the server tokenizes: continuations joined, CR/LF stripped. */
  readonly text: string;
  /** The comment from its unquoted `#` to the end of the logical line. */
  readonly comment?: string;
}

export interface HbaBlankLine extends HbaLineBase {
  readonly kind: 'blank';
}
export interface HbaCommentLine extends HbaLineBase {
  readonly kind: 'comment';
}
/** A record the server accepts. */
export interface HbaRecordLine extends HbaLineBase {
  readonly kind: 'record';
  readonly rule: HbaRule;
  /** Where the method token is in `text` (end exclusive), for edits that replace it. */
  readonly methodStart: number;
  readonly methodEnd: number;
}
/** include, include_if_exists or include_dir and its path. */
export interface HbaIncludeLine extends HbaLineBase {
  readonly kind: 'include';
  readonly directive: HbaIncludeDirective;
  readonly path: string;
}
/** A line the server would reject (and with it the whole file). */
export interface HbaInvalidLine extends HbaLineBase {
  readonly kind: 'invalid';
  /** The server's complaint, worded like its log message. */
  readonly error: string;
  readonly errorCode: HbaErrorCode;
  /** The connection type, when the first field named one. */
  readonly type?: HbaType;
}

export type HbaLine = HbaBlankLine | HbaCommentLine | HbaRecordLine | HbaIncludeLine | HbaInvalidLine;

/** A parsed pg_hba.conf: serializeHba(parseHba(text)) === text for any text. */
export interface HbaDocument {
  readonly lines: readonly HbaLine[];
  /** Line ending for new lines: the file's most common one, '\n' if it has none. */
  readonly eol: '\n' | '\r\n';
}

/** Where a piece of the logical text starts in the raw text. */
export interface HbaSegment {
  readonly logical: number;
  readonly raw: number;
}

interface Logical {
  text: string;
  /** End of the line's raw text (before the final line ending). */
  rawEnd: number;
  /** Start of the next line. */
  next: number;
  eol: HbaEol;
  span: number;
  segments: HbaSegment[] | undefined;
}

/**
 * Read one logical line from `pos`, as tokenize_auth_file does: a physical
 * line ending in a backslash continues on the next one (PostgreSQL 14+),
 * even inside quotes or a comment; trailing CR/LF are stripped; a NUL ends
 * the C string.
 */
function readLogical(src: string, pos: number, wantSegments: boolean): Logical {
  let buf = '';
  let last = 0;
  let span = 0;
  let p = pos;
  let nl = -1;
  let end = pos;
  const segments: HbaSegment[] | undefined = wantSegments ? [] : undefined;
  for (;;) {
    nl = src.indexOf('\n', p);
    end = nl < 0 ? src.length : nl;
    span++;
    let piece = src.slice(p, end);
    const nul = piece.indexOf('\0');
    if (nul >= 0) piece = piece.slice(0, nul);
    segments?.push({ logical: buf.length, raw: p });
    buf += piece;
    let len = buf.length;
    while (len > 0 && (buf.charCodeAt(len - 1) === 13 || buf.charCodeAt(len - 1) === 10)) len--;
    if (len !== buf.length) buf = buf.slice(0, len);
    p = nl < 0 ? src.length : nl + 1;
    // The backslash must come after the last continuation point, so an empty
    // line ends the record even if the text before it ends in a backslash.
    if (buf.length > last && buf.charCodeAt(buf.length - 1) === 92) {
      buf = buf.slice(0, -1);
      last = buf.length;
      if (p < src.length) continue;
    }
    break;
  }
  const crlf = nl >= 0 && end > pos && src.charCodeAt(end - 1) === 13;
  return {
    text: buf,
    rawEnd: crlf ? end - 1 : end,
    next: p,
    eol: nl < 0 ? '' : crlf ? '\r\n' : '\n',
    span,
    segments,
  };
}

/** Logical-to-raw offsets of a line that spans several physical lines. */
export function lineSegments(raw: string): HbaSegment[] {
  return readLogical(raw, 0, true).segments!;
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13;

/**
 * Split a logical line into fields of tokens (next_token / next_field_expand):
 * blanks separate fields, commas separate tokens of a field, double quotes
 * protect blanks, commas and `#`, and an unquoted `#` starts a comment.
 */
export function tokenizeHbaLine(text: string): { fields: HbaToken[][]; commentStart: number } {
  const fields: HbaToken[][] = [];
  const n = text.length;
  let p = 0;
  let commentStart = -1;
  while (p < n) {
    let field: HbaToken[] | undefined;
    for (;;) {
      while (p < n && (isBlank(text.charCodeAt(p)) || text.charCodeAt(p) === 44)) p++;
      const start = p;
      let built: string | undefined; // set once a quote is seen; before that the token is text.slice
      let inQuote = false;
      let wasQuote = false;
      let sawQuote = false;
      let initialQuote = false;
      let comma = false;
      let end = p;
      while (p < n) {
        const c = text.charCodeAt(p);
        if (!inQuote && isBlank(c)) break;
        if (c === 35 && !inQuote) {
          commentStart = p;
          end = p;
          p = n;
          break;
        }
        if (c === 44 && !inQuote) {
          comma = true;
          break;
        }
        if (c === 34 && built === undefined) built = text.slice(start, p);
        if (built !== undefined && (c !== 34 || wasQuote)) built += text[p];
        wasQuote = inQuote && c === 34 ? !wasQuote : false;
        if (c === 34) {
          inQuote = !inQuote;
          sawQuote = true;
          if (built === '') initialQuote = true;
        }
        p++;
        end = p;
      }
      const value = built ?? text.slice(start, end);
      if (!sawQuote && value.length === 0) break;
      const token = { value, quoted: initialQuote, start, end };
      if (field) field.push(token);
      else field = [token];
      if (!comma) break;
    }
    if (field) fields.push(field);
  }
  return { fields, commentStart };
}

// Authentication methods parse_hba_line knows (some need build support, which Debian's packages have).
// A map to one shared string per method.
const METHODS: ReadonlyMap<string, string> = new Map(['trust', 'ident', 'peer', 'password', 'gss', 'sspi', 'reject', 'md5', 'scram-sha-256', 'pam', 'bsd', 'ldap', 'cert', 'radius'].map((m) => [m, m]));

// Options and the methods that take them (parse_hba_auth_opt), with the server's wording.
const OPTION_METHODS: Readonly<Record<string, readonly [readonly string[], string]>> = (() => {
  const table: Record<string, readonly [readonly string[], string]> = {
    map: [['ident', 'peer', 'gss', 'sspi', 'cert'], 'ident, peer, gssapi, sspi, and cert'],
    pamservice: [['pam'], 'pam'],
    pam_use_hostname: [['pam'], 'pam'],
    krb_realm: [['gss', 'sspi'], 'gssapi and sspi'],
    include_realm: [['gss', 'sspi'], 'gssapi and sspi'],
    compat_realm: [['sspi'], 'sspi'],
    upn_username: [['sspi'], 'sspi'],
  };
  for (const name of ['ldapurl', 'ldaptls', 'ldapscheme', 'ldapserver', 'ldapport', 'ldapbinddn', 'ldapbindpasswd', 'ldapsearchattribute', 'ldapsearchfilter', 'ldapbasedn', 'ldapprefix', 'ldapsuffix']) {
    table[name] = [['ldap'], 'ldap'];
  }
  for (const name of ['radiusservers', 'radiusports', 'radiussecrets', 'radiusidentifiers']) {
    table[name] = [['radius'], 'radius'];
  }
  return table;
})();

class LineError extends Error {
  constructor(
    message: string,
    readonly code: HbaErrorCode = 'parse-error',
  ) {
    super(message);
  }
}

function checkOption(name: string, value: string, type: HbaType, method: string): void {
  if (name === 'clientcert' || name === 'clientname') {
    if (type !== 'hostssl') throw new LineError(`${name} can only be configured for "hostssl" rows`);
    if (name === 'clientname') {
      if (value !== 'CN' && value !== 'DN') throw new LineError(`invalid value for clientname: "${value}"`);
      return;
    }
    if (value === 'verify-full') return;
    if (value === 'verify-ca') {
      // The cert method always verifies the name, so it cannot be relaxed to verify-ca.
      if (method === 'cert') throw new LineError('clientcert can only be set to "verify-full" when using "cert" authentication', 'cert-verify-ca');
      return;
    }
    // 1, 0 and no-verify were accepted up to PostgreSQL 13 and are rejected since 14.
    const legacy = value === '1' || value === '0' || value === 'no-verify';
    throw new LineError(`invalid value for clientcert: "${value}"`, legacy ? 'clientcert-legacy' : 'parse-error');
  }
  const entry = OPTION_METHODS[name];
  if (!entry) throw new LineError(`unrecognized authentication option name: "${name}"`);
  if (!entry[0].includes(method)) throw new LineError(`authentication option "${name}" is only valid for authentication methods ${entry[1]}`);
  if (name === 'ldapport' && !(parseInt(value, 10) !== 0 && /^\s*[+-]?\d/.test(value))) throw new LineError(`invalid LDAP port number: "${value}"`);
}

// The two LDAP modes (simple bind, search+bind) and what each needs; an ldapurl can carry
// the base DN, an attribute and a filter (Client Authentication, "LDAP Authentication").
function checkLdap(opts: ReadonlyMap<string, string>): void {
  const url = /^[a-z]+:\/\/[^/]*\/([^?]*)(?:\?([^?]*)(?:\?[^?]*(?:\?(.*))?)?)?$/i.exec(opts.get('ldapurl') ?? '');
  const has = (name: string): boolean => opts.has(name) || (url !== null && ((name === 'ldapbasedn' && !!url[1]) || (name === 'ldapsearchattribute' && !!url[2]) || (name === 'ldapsearchfilter' && !!url[3])));
  if (has('ldapprefix') || has('ldapsuffix')) {
    // PostgreSQL 15's wording; later versions say "cannot mix options for simple bind and search+bind modes".
    if (['ldapbasedn', 'ldapbinddn', 'ldapbindpasswd', 'ldapsearchattribute', 'ldapsearchfilter', 'ldapurl'].some(has)) {
      throw new LineError('cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix');
    }
  } else if (!has('ldapbasedn')) {
    throw new LineError('authentication method "ldap" requires argument "ldapbasedn", "ldapprefix", or "ldapsuffix" to be set');
  }
  if (has('ldapsearchattribute') && has('ldapsearchfilter')) throw new LineError('cannot use ldapsearchattribute together with ldapsearchfilter');
}

function isHbaType(s: string): s is HbaType {
  return (HBA_TYPES as readonly string[]).includes(s);
}

// `all` fills most records: one shared string for it keeps documents small.
const shareAll = (s: string): string => (s === 'all' ? 'all' : s);

function values(field: HbaField): string[] {
  return field.length === 1 ? [shareAll(field[0]!.value)] : field.map((t) => shareAll(t.value));
}

function quotedFlags(field: HbaField): boolean[] | undefined {
  return field.some((t) => t.quoted) ? field.map((t) => t.quoted) : undefined;
}

/** parse_hba_line, minus what needs the running server (files, regexes, SSL state). */
function parseRecord(fields: readonly HbaField[]): { rule: HbaRule; method: HbaToken } {
  const typeField = fields[0]!;
  if (typeField.length > 1) throw new LineError('multiple values specified for connection type');
  const written = typeField[0]!.value;
  const type = HBA_TYPES.find((t) => t === written);
  if (!type) throw new LineError(`invalid connection type "${written}"`);
  let i = 1;
  const dbField = fields[i++];
  if (!dbField) throw new LineError('end-of-line before database specification');
  const userField = fields[i++];
  if (!userField) throw new LineError('end-of-line before role specification');

  let address: string | undefined;
  let addressQuoted = false;
  let mask: string | undefined;
  if (type !== 'local') {
    const addrField = fields[i++];
    if (!addrField) throw new LineError('end-of-line before IP address specification');
    if (addrField.length > 1) throw new LineError('multiple values specified for host address');
    const tok = addrField[0]!;
    address = shareAll(tok.value);
    addressQuoted = tok.quoted;
    if (tok.quoted || !ADDRESS_KEYWORDS.has(tok.value)) {
      const slash = tok.value.indexOf('/');
      const family = ipFamily(slash >= 0 ? tok.value.slice(0, slash) : tok.value);
      if (!family) {
        // Not numeric: a host name, or a .suffix, which cannot take a CIDR length.
        if (slash >= 0) throw new LineError(`specifying both host name and CIDR mask is invalid: "${tok.value}"`);
      } else if (slash >= 0) {
        if (cidrBits(tok.value.slice(slash + 1), family) === undefined) throw new LineError(`invalid CIDR mask in address "${tok.value}"`);
      } else {
        const maskField = fields[i++];
        if (!maskField) throw new LineError('end-of-line before netmask specification');
        if (maskField.length > 1) throw new LineError('multiple values specified for netmask');
        const maskFamily = ipFamily(maskField[0]!.value);
        if (!maskFamily) throw new LineError(`invalid IP mask "${maskField[0]!.value}"`);
        if (maskFamily !== family) throw new LineError('IP address and mask do not match');
        mask = maskField[0]!.value;
      }
    }
  }

  const mField = fields[i++];
  if (!mField) throw new LineError('end-of-line before authentication method');
  if (mField.length > 1) throw new LineError('multiple values specified for authentication type');
  const methodName = METHODS.get(mField[0]!.value);
  if (!methodName) throw new LineError(`invalid authentication method "${mField[0]!.value}"`);
  // ident on a local socket means peer.
  const method = type === 'local' && methodName === 'ident' ? 'peer' : methodName;
  if (type === 'local' && method === 'gss') throw new LineError('gssapi authentication is not supported on local sockets');
  if (type !== 'local' && method === 'peer') throw new LineError('peer authentication is only supported on local sockets');
  if (type !== 'hostssl' && method === 'cert') throw new LineError('cert authentication is only supported on hostssl connections');

  const options: [string, string][] = [];
  for (; i < fields.length; i++) {
    for (const tok of fields[i]!) {
      const eq = tok.value.indexOf('=');
      if (eq < 0) throw new LineError(`authentication option not in name=value format: ${tok.value}`);
      const name = tok.value.slice(0, eq);
      const value = tok.value.slice(eq + 1);
      checkOption(name, value, type, method);
      options.push([name, value]);
    }
  }
  if (method === 'ldap') checkLdap(new Map(options));
  if (method === 'radius') {
    for (const required of ['radiusservers', 'radiussecrets']) {
      if (!options.some(([k]) => k === required)) throw new LineError(`authentication method "radius" requires argument "${required}" to be set`);
    }
  }

  // One object literal per shape (local or not) keeps records compact.
  const databases = values(dbField);
  const users = values(userField);
  const rule: HbaRule =
    address === undefined ? { type, databases, users, method: methodName, options } : { type, databases, users, address, method: methodName, options };
  if (mask !== undefined) rule.mask = mask;
  const qd = quotedFlags(dbField);
  const qu = quotedFlags(userField);
  if (qd || qu || addressQuoted) rule.quoted = { ...(qd && { databases: qd }), ...(qu && { users: qu }), ...(addressQuoted && { address: true }) };
  return { rule, method: mField[0]! };
}

interface LineBasics {
  lineNumber: number;
  span: number;
  raw: string;
  eol: HbaEol;
  text: string;
}

// Each line is built in one object literal with the same leading keys, which keeps parsing fast.
function classify(b: LineBasics, fields: readonly HbaField[], commentStart: number): HbaLine {
  const { lineNumber, span, raw, eol, text } = b;
  const comment = commentStart >= 0 ? text.slice(commentStart) : undefined;
  if (fields.length === 0) return { kind: commentStart >= 0 ? 'comment' : 'blank', lineNumber, span, raw, eol, text, comment };
  const first = fields[0]![0]!.value;
  // The server compares the directive with strcmp: quoting does not matter.
  if (fields.length === 2 && (HBA_INCLUDE_DIRECTIVES as readonly string[]).includes(first)) {
    return { kind: 'include', lineNumber, span, raw, eol, text, comment, directive: first as HbaIncludeDirective, path: fields[1]![0]!.value };
  }
  try {
    const { rule, method } = parseRecord(fields);
    return { kind: 'record', lineNumber, span, raw, eol, text, comment, rule, methodStart: method.start, methodEnd: method.end };
  } catch (e) {
    if (!(e instanceof LineError)) throw e;
    const type = fields[0]!.length === 1 && isHbaType(first) ? first : undefined;
    return { kind: 'invalid', lineNumber, span, raw, eol, text, comment, error: e.message, errorCode: e.code, type };
  }
}

function lineAt(src: string, pos: number, lineNumber: number): { line: HbaLine; next: number } {
  const logical = readLogical(src, pos, false);
  const { fields, commentStart } = tokenizeHbaLine(logical.text);
  const raw = src.slice(pos, logical.rawEnd);
  // Most lines read as they are written: share the string.
  const text = logical.text.length === raw.length ? raw : logical.text;
  const line = classify({ lineNumber, span: logical.span, raw, eol: logical.eol, text }, fields, commentStart);
  return { line, next: logical.next };
}

/**
 * Parse one logical line from its raw text (which may hold continuations)
 * and line ending; used by edits to build or rebuild lines.
 */
export function parseHbaLine(raw: string, eol: HbaEol, lineNumber: number): HbaLine {
  const logical = readLogical(raw, 0, false);
  const { fields, commentStart } = tokenizeHbaLine(logical.text);
  const text = logical.text.length === raw.length ? raw : logical.text;
  return classify({ lineNumber, span: logical.span, raw, eol, text }, fields, commentStart);
}

/** A copy of a line with another number or line ending (the parsed view stays valid). */
export function relocateLine(line: HbaLine, lineNumber: number, eol: HbaEol = line.eol): HbaLine {
  // Assigning keys the copy already has keeps its shape, which is much faster than a spread with overrides.
  const copy = { ...line } as { -readonly [K in keyof HbaLine]: HbaLine[K] };
  copy.lineNumber = lineNumber;
  copy.eol = eol;
  return copy as HbaLine;
}

/** Parse pg_hba.conf text. Never throws: lines the server would reject become `invalid` lines. */
export function parseHba(text: string): HbaDocument {
  const lines: HbaLine[] = [];
  let pos = 0;
  let lineNumber = 1;
  let crlf = 0;
  let lf = 0;
  while (pos < text.length) {
    const { line, next } = lineAt(text, pos, lineNumber);
    lines.push(line);
    if (line.eol === '\r\n') crlf++;
    else if (line.eol === '\n') lf++;
    lineNumber += line.span;
    pos = next;
  }
  return { lines, eol: crlf > lf ? '\r\n' : '\n' };
}

/** The document's text: each line's raw text and line ending, unchanged unless an edit replaced the line. */
export function serializeHba(doc: HbaDocument): string {
  let out = '';
  for (const line of doc.lines) out += line.raw + line.eol;
  return out;
}

/** The records the server accepts, in order. */
export function hbaRecords(doc: HbaDocument): HbaRecordLine[] {
  return doc.lines.filter((l): l is HbaRecordLine => l.kind === 'record');
}
