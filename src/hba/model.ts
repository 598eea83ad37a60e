/**
 * pg_hba.conf: the record model and its text form (Client Authentication,
 * "The pg_hba.conf File"). Pure: no I/O. Import it through `./hba.js`.
 */

/** Connection types a record can start with. */
export const HBA_TYPES = ['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc'] as const;
export type HbaType = (typeof HBA_TYPES)[number];

/** One pg_hba.conf record, as the server reads it. */
export interface HbaRule {
  type: HbaType;
  /** Database names or keywords (all, sameuser, samerole, replication), unquoted. */
  databases: string[];
  /** Role names, +group, /regex or all, unquoted. */
  users: string[];
  /** CIDR, host name, or all / samehost / samenet; absent for local. */
  address?: string;
  /** Authentication method: scram-sha-256, cert, peer, reject, ... */
  method: string;
  /** Authentication options in order, e.g. [['clientcert', 'verify-full']]. */
  options: [string, string][];
  /** Netmask written in its own column after an IP address, e.g. 255.255.255.0. */
  mask?: string;
  /**
   * Entries that are plain names even though they read like a keyword, a
   * +group or an @file (index-aligned with databases / users). The parser
   * sets it for quoted entries; absent means every entry means what it spells.
   */
  quoted?: { databases?: boolean[]; users?: boolean[]; address?: boolean };
}

/** Unquoted words with a special meaning in the database column; quoting one makes it a name. */
export const DATABASE_KEYWORDS: ReadonlySet<string> = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication']);
/** Unquoted words with a special meaning in the user column. */
export const USER_KEYWORDS: ReadonlySet<string> = new Set(['all']);
/** Unquoted words with a special meaning in the address column. */
export const ADDRESS_KEYWORDS: ReadonlySet<string> = new Set(['all', 'samehost', 'samenet']);
// Quoted so a name never turns into a keyword in either column (the manual lists these four).
const KEYWORD_LIKE: ReadonlySet<string> = new Set([...DATABASE_KEYWORDS, ...ADDRESS_KEYWORDS]);

// Wide enough for the longest connection type (hostnogssenc is 12; hostnossl, the common long one, is 9).
const COLUMN_WIDTHS = [10, 16, 16, 24] as const;

// Characters a token may hold without quotes: no blanks, commas, quotes or `#`,
// and no backslash, which would continue the line if it came last.
const BARE = /^[A-Za-z0-9_.$%+/@:*-]+$/;
const BARE_VALUE = /^[A-Za-z0-9_.$%+/@:*=-]+$/;

function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

function checkPrintable(what: string, text: string): void {
  // A newline cannot be quoted: it would end the record and start another one.
  if (/[\n\r\0]/.test(text)) throw new Error(`pg_hba.conf ${what} cannot contain a line break or NUL: ${JSON.stringify(text)}`);
}

function bareOrQuoted(text: string): string {
  return BARE.test(text) && !KEYWORD_LIKE.has(text) ? text : quote(text);
}

/**
 * One database or user entry. A name is quoted when it would otherwise read
 * as a keyword, a group, a file or hold separators; an entry that is not
 * marked as a name keeps its special meaning and stays bare.
 */
function formatEntry(value: string, isName: boolean, column: 'database' | 'user'): string {
  checkPrintable(column, value);
  const keywords = column === 'database' ? DATABASE_KEYWORDS : USER_KEYWORDS;
  if (isName) {
    const special = value.startsWith('@') || (column === 'user' && value.startsWith('+'));
    return special ? quote(value) : bareOrQuoted(value);
  }
  if (keywords.has(value)) return value;
  // @file and +group keep their prefix outside the quotes: @"my file" still includes a file.
  if (value.length > 1 && (value.startsWith('@') || (column === 'user' && value.startsWith('+')))) {
    return value[0] + bareOrQuoted(value.slice(1));
  }
  return bareOrQuoted(value);
}

function formatOption([name, value]: [string, string]): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid pg_hba.conf option name: ${JSON.stringify(name)}`);
  checkPrintable(`option ${name}`, value);
  // name="va lue" is one token: the quotes only protect the value.
  return `${name}=${BARE_VALUE.test(value) ? value : quote(value)}`;
}

// Address, netmask and method: the server compares these as plain strings, so
// quotes only matter for the address keywords (a quoted "all" is a host name).
function formatWord(what: string, text: string, isName = false): string {
  checkPrintable(what, text);
  return isName || !BARE_VALUE.test(text) ? quote(text) : text;
}

/** One record as a line, columns aligned like pg_hba.conf.sample. */
export function formatRule(rule: HbaRule): string {
  const fields = [
    rule.type,
    rule.databases.map((d, i) => formatEntry(d, rule.quoted?.databases?.[i] === true, 'database')).join(','),
    rule.users.map((u, i) => formatEntry(u, rule.quoted?.users?.[i] === true, 'user')).join(','),
    ...(rule.type === 'local'
      ? []
      : [
          formatWord('address', rule.address ?? 'all', rule.quoted?.address === true) +
            (rule.mask === undefined ? '' : ` ${formatWord('netmask', rule.mask)}`),
        ]),
  ];
  const method = [formatWord('method', rule.method), ...rule.options.map(formatOption)].join(' ');
  let line = '';
  fields.forEach((field, i) => {
    const width = rule.type === 'local' && i === 2 ? COLUMN_WIDTHS[2] + COLUMN_WIDTHS[3] : COLUMN_WIDTHS[i] ?? 0;
    line += field.length >= width ? `${field} ` : field.padEnd(width);
  });
  return line + method;
}
