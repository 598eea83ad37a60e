/**
 * The lexical layer of pg_hba.conf, as the server reads it (Client
 * Authentication, "The pg_hba.conf File"; src/backend/libpq/hba.c,
 * tokenize_auth_file and next_token): logical lines with backslash
 * continuations, then fields of comma-separated, possibly quoted tokens.
 */

/** A line ending as found in the file; '' for a last line without one. */
export type HbaEol = '' | '\n' | '\r\n';

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

/** Where a piece of the logical text starts in the raw text. */
export interface HbaSegment {
  readonly logical: number;
  readonly raw: number;
}

/** One logical line read from a text. */
export interface LogicalLine {
  /** What the server tokenizes: continuations joined, CR/LF stripped, cut at a NUL. */
  text: string;
  /** End of the line's raw text (before the final line ending). */
  rawEnd: number;
  /** Start of the next line. */
  next: number;
  eol: HbaEol;
  /** Physical lines read. */
  span: number;
  segments: HbaSegment[] | undefined;
}

/**
 * Read one logical line from `pos`, as tokenize_auth_file does: a physical
 * line ending in a backslash continues on the next one (PostgreSQL 14+),
 * even inside quotes or a comment; trailing CR/LF are stripped; a NUL ends
 * the C string. Without `continuations` (up to 13) a backslash is text.
 */
export function readLogical(src: string, pos: number, wantSegments: boolean, continuations = true): LogicalLine {
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
    if (continuations && buf.length > last && buf.charCodeAt(buf.length - 1) === 92) {
      buf = buf.slice(0, -1);
      last = buf.length;
      if (p < src.length) continue;
    }
    break;
  }
  const crlf = nl >= 0 && end > pos && src.charCodeAt(end - 1) === 13;
  return { text: buf, rawEnd: crlf ? end - 1 : end, next: p, eol: nl < 0 ? '' : crlf ? '\r\n' : '\n', span, segments };
}

/** Logical-to-raw offsets of a line that spans several physical lines. */
export function lineSegments(raw: string): HbaSegment[] {
  return readLogical(raw, 0, true).segments!;
}

/**
 * The tokens of the last line scanned, in parallel arrays that every scan
 * reuses: a line of a large file then costs no object per token. Read it
 * before the next scan (parsing is synchronous).
 */
export interface TokenTable {
  text: string;
  /** Number of fields; field f holds tokens fieldStart[f] .. fieldStart[f + 1] - 1. */
  fields: number;
  readonly fieldStart: number[];
  readonly start: number[];
  readonly end: number[];
  readonly quoted: boolean[];
  /** The dequoted value when the token had quotes; otherwise text.slice(start, end). */
  readonly unquoted: (string | undefined)[];
  /** Offset of the unquoted `#` that starts a comment, or -1. */
  commentStart: number;
}

const table: TokenTable = { text: '', fields: 0, fieldStart: [0], start: [], end: [], quoted: [], unquoted: [], commentStart: -1 };

/** The value of token `i` of the table. */
export function tokenValue(t: TokenTable, i: number): string {
  return t.unquoted[i] ?? t.text.slice(t.start[i], t.end[i]);
}

/** Whether token `i` of the table reads `word`, without cutting the token out. */
export function tokenIs(t: TokenTable, i: number, word: string): boolean {
  const unquoted = t.unquoted[i];
  if (unquoted !== undefined) return unquoted === word;
  const start = t.start[i]!;
  return t.end[i]! - start === word.length && t.text.startsWith(word, start);
}

/** The word of `words` that token `i` reads, or undefined: the shared string, with nothing allocated. */
export function tokenAmong<W extends string>(t: TokenTable, i: number, words: readonly W[]): W | undefined {
  for (const word of words) if (tokenIs(t, i, word)) return word;
  return undefined;
}

/** How many tokens field `f` has. */
export function fieldSize(t: TokenTable, f: number): number {
  return t.fieldStart[f + 1]! - t.fieldStart[f]!;
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13;

/**
 * Split a logical line into fields of tokens (next_token / next_field_expand):
 * blanks separate fields, commas separate tokens of a field (blanks after a
 * comma too), double quotes protect blanks, commas and `#`, "" inside quotes
 * is a quote, and an unquoted `#` starts a comment. Returns the shared table.
 */
export function scanHbaLine(text: string): TokenTable {
  const t = table;
  t.text = text;
  t.commentStart = -1;
  const n = text.length;
  let tokens = 0;
  let fields = 0;
  let p = 0;
  while (p < n) {
    const first = tokens;
    for (;;) {
      for (; p < n; p++) {
        const c = text.charCodeAt(p);
        if (!isBlank(c) && c !== 44) break;
      }
      const start = p;
      let built: string | undefined; // set once a quote is seen; before that the token is text.slice
      let kept = p; // once built is set: where the characters not yet added to it start
      let inQuote = false;
      let wasQuote = false;
      let sawQuote = false;
      let initialQuote = false;
      let comma = false;
      // Most tokens hold no quote: run to the first character that could end one.
      let c = 0;
      while (p < n) {
        c = text.charCodeAt(p);
        if (c <= 44 && (isBlank(c) || c === 34 || c === 35 || c === 44)) break;
        p++;
      }
      let end = p;
      // From a quote, `#` or comma on, the general reader below takes over (a blank ends the token at once).
      while (p < n) {
        c = text.charCodeAt(p);
        if (!inQuote && isBlank(c)) break;
        if (c === 35 && !inQuote) {
          t.commentStart = p;
          end = p;
          p = n;
          break;
        }
        if (c === 44 && !inQuote) {
          comma = true;
          break;
        }
        // A quote is dropped from the value unless it is the second of a "" pair;
        // the characters between dropped quotes are added a run at a time.
        if (c === 34 && !wasQuote) {
          built = built === undefined ? text.slice(start, p) : built + text.slice(kept, p);
          kept = p + 1;
        }
        wasQuote = inQuote && c === 34 ? !wasQuote : false;
        if (c === 34) {
          inQuote = !inQuote;
          sawQuote = true;
          if (built === '') initialQuote = true;
        }
        p++;
        end = p;
      }
      if (!sawQuote && end === start) break;
      if (built !== undefined && kept < end) built += text.slice(kept, end);
      t.start[tokens] = start;
      t.end[tokens] = end;
      t.quoted[tokens] = initialQuote;
      t.unquoted[tokens] = built;
      tokens++;
      if (!comma) break;
    }
    if (tokens > first) t.fieldStart[fields++] = first;
  }
  t.fieldStart[fields] = tokens;
  t.fields = fields;
  return t;
}

/** The fields and tokens of a logical line, as objects. */
export function tokenizeHbaLine(text: string): { fields: HbaToken[][]; commentStart: number } {
  const t = scanHbaLine(text);
  const fields: HbaToken[][] = [];
  for (let f = 0; f < t.fields; f++) {
    const field: HbaToken[] = [];
    for (let i = t.fieldStart[f]!; i < t.fieldStart[f + 1]!; i++) field.push({ value: tokenValue(t, i), quoted: t.quoted[i]!, start: t.start[i]!, end: t.end[i]! });
    fields.push(field);
  }
  return { fields, commentStart: t.commentStart };
}
