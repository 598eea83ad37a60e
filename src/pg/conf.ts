/**
 * Just enough of postgresql.conf to install a bundle's settings: its
 * `name = value` lines and include directives (manual 19.1.2 "Parameter
 * Interaction via the Configuration File", 19.1.5 "Managing Configuration
 * File Contents"). Pure: no I/O. The server itself (`postgres -C`) is the
 * judge of the result; this only finds where to put things.
 */

/** One `name = value` line (an include directive is one too: name include, include_dir or include_if_exists). */
export interface ConfEntry {
  /** 1-based line number. */
  readonly line: number;
  /** Parameter name, lower-cased (names are case-insensitive). */
  readonly name: string;
  /** The name as the line spells it (ALTER SYSTEM writes it back that way). */
  readonly written: string;
  /** The value with quotes removed and escapes resolved. */
  readonly value: string;
  /** The value was single-quoted. */
  readonly quoted: boolean;
}

/** A line that is not a setting, a directive, a comment or blank. */
export interface ConfProblem {
  readonly line: number;
  readonly message: string;
}

export const INCLUDE_DIRECTIVES = ['include', 'include_dir', 'include_if_exists'] as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_$.]*/;

// A quoted value: '' or \' for a quote; \b \f \n \r \t and octal escapes as in the server's GUC_scanstr.
function unquote(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'" && body[i + 1] === "'") {
      out += "'";
      i++;
    } else if (c === '\\' && i + 1 < body.length) {
      const n = body[++i]!;
      const map: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (map[n] !== undefined) out += map[n];
      else if (/[0-7]/.test(n)) {
        const oct = /^[0-7]{1,3}/.exec(body.slice(i))![0];
        out += String.fromCharCode(parseInt(oct, 8));
        i += oct.length - 1;
      } else out += n;
    } else out += c;
  }
  return out;
}

/** Parse one line; undefined for blank and comment lines. */
function parseLine(text: string, line: number): ConfEntry | ConfProblem | undefined {
  const t = text.replace(/^\s+/, '');
  if (t === '' || t.startsWith('#')) return undefined;
  const m = NAME.exec(t);
  if (!m) return { line, message: `syntax error near "${t.slice(0, 20)}"` };
  let rest = t.slice(m[0].length).replace(/^\s*=?\s*/, '');
  let value: string;
  let quoted = false;
  if (rest.startsWith("'")) {
    const q = /^'((?:[^'\\]|''|\\.)*)'/.exec(rest);
    if (!q) return { line, message: 'unterminated quoted string' };
    value = unquote(q[1]!);
    quoted = true;
    rest = rest.slice(q[0].length);
  } else {
    const w = /^[^\s#]+/.exec(rest);
    if (!w) return { line, message: `missing value for "${m[0]}"` };
    value = w[0];
    rest = rest.slice(w[0].length);
  }
  if (!/^\s*(#.*)?$/.test(rest)) return { line, message: `syntax error near "${rest.trim().slice(0, 20)}"` };
  return { line, name: m[0].toLowerCase(), written: m[0], value, quoted };
}

/** Every setting and directive of a postgresql.conf text, in order, and the lines that are neither. */
export function parseConf(text: string): { entries: ConfEntry[]; problems: ConfProblem[] } {
  const entries: ConfEntry[] = [];
  const problems: ConfProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const r = parseLine(raw.replace(/\r$/, ''), i + 1);
    if (!r) return;
    if ('name' in r) entries.push(r);
    else problems.push(r);
  });
  return { entries, problems };
}

/** The settings a file makes (last one wins, as in the server), without its directives. */
export function confSettings(text: string): Map<string, ConfEntry> {
  const out = new Map<string, ConfEntry>();
  for (const e of parseConf(text).entries) {
    if (!(INCLUDE_DIRECTIVES as readonly string[]).includes(e.name)) out.set(e.name, e);
  }
  return out;
}

/** The include directives of a file, in order. */
export function confIncludes(text: string): ConfEntry[] {
  return parseConf(text).entries.filter((e) => (INCLUDE_DIRECTIVES as readonly string[]).includes(e.name));
}

/** A value as a postgresql.conf literal: always quoted, which the server accepts for every type. */
export function confLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Text with `include 'FILE'` appended unless the file already includes it
 * (so a second run changes nothing). It goes last so its settings win over
 * earlier lines of the same file ("the last setting wins", 19.1.2).
 */
export function withIncludeLine(text: string, file: string, why: string): string {
  if (confIncludes(text).some((e) => (e.name === 'include' || e.name === 'include_if_exists') && e.value === file)) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const sep = text === '' || text.endsWith('\n') ? '' : eol;
  return `${text}${sep}${eol}# ${why}${eol}include ${confLiteral(file)}${eol}`;
}

const TRUE = new Set(['on', 'true', 'yes', '1', 't', 'y', 'tr', 'tru', 'ye']);
const FALSE = new Set(['off', 'false', 'no', '0', 'f', 'n', 'of', 'fa', 'fal', 'fals']);

/** Is this boolean setting on, however a file spells it (on, true, yes, 1 and their unique prefixes, any case; 19.1.1)? */
export function settingIsOn(value: string): boolean {
  return TRUE.has(value.trim().toLowerCase());
}

/**
 * Whether the value `postgres -C` prints equals what a file set: booleans by
 * meaning (on/true/yes/1, 19.1.1), enums case-insensitively, the rest exactly.
 */
export function sameSettingValue(shown: string, written: string): boolean {
  const a = shown.trim();
  const b = written.trim();
  if (a === b) return true;
  const lb = b.toLowerCase();
  if (a === 'on' && TRUE.has(lb)) return true;
  if (a === 'off' && FALSE.has(lb)) return true;
  return a.toLowerCase() === lb;
}

/** ALTER SYSTEM's file: always in the data directory, read after postgresql.conf, so its values win (19.1.2). */
export const AUTO_CONF_FILE = 'postgresql.auto.conf';

/** A parameter name as ALTER SYSTEM SET takes it unquoted: a name, or dotted names for an extension's (19.16). */
export const ALTER_SYSTEM_NAME = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)*$/;

const AUTO_CONF_HEADER = '# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n';

/** A name/value pair to set. */
export interface SettingValue {
  readonly name: string;
  readonly value: string;
}

/**
 * The settings whose value in postgresql.auto.conf (its last line of the
 * name wins, as for any configuration file, 19.1.2) is not exactly the one
 * wanted. ALTER SYSTEM stores a value as given, so after it ran the value
 * matches exactly: an empty list means a second apply has nothing to do.
 */
export function autoConfPending(text: string, wanted: readonly SettingValue[]): SettingValue[] {
  const now = confSettings(text);
  return wanted.filter((s) => now.get(s.name.toLowerCase())?.value !== s.value);
}

/**
 * postgresql.auto.conf as `ALTER SYSTEM SET name = 'value'` leaves it after
 * one statement per setting, in order (manual: ALTER SYSTEM). The server
 * rewrites the whole file: its two header lines, then every entry as
 * `name = 'value'` (quotes and backslashes doubled), comments dropped; the
 * lines of a name being set go (any case: names are case-insensitive) and
 * one line with the new value is appended.
 */
export function autoConfAfter(text: string, sets: readonly SettingValue[]): string {
  let entries = parseConf(text).entries.map((e) => ({ name: e.written, value: e.value }));
  for (const s of sets) {
    entries = entries.filter((e) => e.name.toLowerCase() !== s.name.toLowerCase());
    entries.push({ name: s.name, value: s.value });
  }
  const quote = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "''");
  return AUTO_CONF_HEADER + entries.map((e) => `${e.name} = '${quote(e.value)}'\n`).join('');
}
