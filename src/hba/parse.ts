/**
 * pg_hba.conf text to a document and back, byte for byte. Every line keeps
 * its raw text; the parsed view follows the server's own reader (Client
 * Authentication, "The pg_hba.conf File", and src/backend/libpq/hba.c):
 * tokenize_auth_file, next_token and parse_hba_line. Pure: no I/O, so @file
 * lists and include directives are recorded, not followed.
 */
import { NEWEST_HBA_DIALECT, type HbaDialect } from './dialect.js';
import { fieldSize, readLogical, scanHbaLine, tokenAmong, tokenValue, type HbaEol } from './lex.js';
import { HBA_TYPES, type HbaRule, type HbaType } from './model.js';
import { LineError, parseRecord, type HbaErrorCode, type MethodSpan } from './record.js';

export { lineSegments, tokenizeHbaLine, type HbaEol, type HbaField, type HbaSegment, type HbaToken } from './lex.js';
export type { HbaErrorCode } from './record.js';
export { NEWEST_HBA_DIALECT, type HbaDialect } from './dialect.js';

/** The include directives (PostgreSQL 16): a line of exactly two fields starting with one of these. */
export const HBA_INCLUDE_DIRECTIVES = ['include', 'include_if_exists', 'include_dir'] as const;
export type HbaIncludeDirective = (typeof HBA_INCLUDE_DIRECTIVES)[number];

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

// Filled by parseRecord for the line being classified.
const methodAt: MethodSpan = { start: 0, end: 0 };

// Each line is built in one object literal with the same leading keys, which keeps parsing fast.
function classify(lineNumber: number, span: number, raw: string, eol: HbaEol, text: string, dialect: HbaDialect): HbaLine {
  const t = scanHbaLine(text);
  const comment = t.commentStart >= 0 ? text.slice(t.commentStart) : undefined;
  if (t.fields === 0) return { kind: t.commentStart >= 0 ? 'comment' : 'blank', lineNumber, span, raw, eol, text, comment };
  // The server compares the directive with strcmp: quoting does not matter.
  const directive = t.fields === 2 ? tokenAmong(t, 0, HBA_INCLUDE_DIRECTIVES) : undefined;
  if (directive !== undefined && dialect.includes) {
    return { kind: 'include', lineNumber, span, raw, eol, text, comment, directive, path: tokenValue(t, t.fieldStart[1]!) };
  }
  try {
    const rule = parseRecord(t, methodAt, dialect);
    return { kind: 'record', lineNumber, span, raw, eol, text, comment, rule, methodStart: methodAt.start, methodEnd: methodAt.end };
  } catch (e) {
    if (!(e instanceof LineError)) throw e;
    const type = fieldSize(t, 0) === 1 ? tokenAmong(t, 0, HBA_TYPES) : undefined;
    let error = e.message;
    let errorCode = e.code;
    // Syntax this server does not have yet reads as a bad field: say which.
    const newer = directive !== undefined ? `${directive} lines need PostgreSQL 16` : !dialect.continuations && /\\\s*$/.test(text.slice(0, t.commentStart >= 0 ? t.commentStart : text.length)) ? 'backslash line continuations need PostgreSQL 14' : undefined;
    if (newer) {
      error = `${error} (${newer}; ${dialect.server} rejects the line, and with it the file)`;
      errorCode = 'needs-newer-server';
    }
    return { kind: 'invalid', lineNumber, span, raw, eol, text, comment, error, errorCode, type };
  }
}

/**
 * Parse one logical line from its raw text (which may hold continuations)
 * and line ending; used by edits to build or rebuild lines.
 */
export function parseHbaLine(raw: string, eol: HbaEol, lineNumber: number): HbaLine {
  const logical = readLogical(raw, 0, false);
  const text = logical.text.length === raw.length ? raw : logical.text;
  return classify(lineNumber, logical.span, raw, eol, text, NEWEST_HBA_DIALECT);
}

/** A copy of a line with another number or line ending (the parsed view stays valid). */
export function relocateLine(line: HbaLine, lineNumber: number, eol: HbaEol = line.eol): HbaLine {
  // Assigning keys the copy already has keeps its shape, which is much faster than a spread with overrides.
  const copy = { ...line } as { -readonly [K in keyof HbaLine]: HbaLine[K] };
  copy.lineNumber = lineNumber;
  copy.eol = eol;
  return copy as HbaLine;
}

/**
 * Parse pg_hba.conf text as the server of `dialect` reads it (default: the
 * newest syntax). Never throws: lines the server would reject become
 * `invalid` lines.
 */
export function parseHba(text: string, dialect: HbaDialect = NEWEST_HBA_DIALECT): HbaDocument {
  const lines: HbaLine[] = [];
  let pos = 0;
  let lineNumber = 1;
  let crlf = 0;
  let lf = 0;
  // Without a NUL in the file, a physical line that ends in neither a backslash
  // nor a CR is a whole logical line, read as written: no need for readLogical.
  const noNul = !text.includes('\0');
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const last = end > pos ? text.charCodeAt(end - 1) : 0;
    if (noNul && (last !== 92 || !dialect.continuations) && last !== 13) {
      const raw = text.slice(pos, end);
      lines.push(classify(lineNumber, 1, raw, nl < 0 ? '' : '\n', raw, dialect));
      if (nl >= 0) lf++;
      lineNumber++;
      pos = nl < 0 ? text.length : nl + 1;
      continue;
    }
    const logical = readLogical(text, pos, false, dialect.continuations);
    const raw = text.slice(pos, logical.rawEnd);
    // Most lines read as they are written: share the string.
    lines.push(classify(lineNumber, logical.span, raw, logical.eol, logical.text.length === raw.length ? raw : logical.text, dialect));
    if (logical.eol === '\r\n') crlf++;
    else if (logical.eol === '\n') lf++;
    lineNumber += logical.span;
    pos = logical.next;
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
