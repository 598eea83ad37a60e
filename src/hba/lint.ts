/**
 * Findings on a parsed pg_hba.conf: lines the server rejects, records that
 * can never match, and methods that weaken a TLS-only, SCRAM-only setup
 * (Client Authentication, "The pg_hba.conf File" and "Password
 * Authentication"). Only certain cases are reported: shadowing is claimed
 * when an earlier record matches every connection a later one could.
 */
import { cidrMask, leadingOnes, networkKey, parseIp, prefixLength, rangeContains, type IpRange } from './address.js';
import { findBlock, HbaEditError } from './edit.js';
import type { HbaDialect } from './dialect.js';
import type { HbaRule, HbaType } from './model.js';
import { lineSegments, type HbaDocument, type HbaLine, type HbaRecordLine } from './parse.js';

export type HbaSeverity = 'error' | 'warning' | 'info';

/** Every code lintHba can report. */
export const HBA_LINT_CODES = [
  'parse-error',
  'clientcert-legacy',
  'cert-verify-ca',
  'shadowed',
  'trust-network',
  'trust-local',
  'password-network',
  'plaintext-allowed',
  'md5-network',
  'md5-local',
  'comment-continues',
  'needs-newer-server',
  'include-unchecked',
  'marker-unbalanced',
] as const;
export type HbaLintCode = (typeof HBA_LINT_CODES)[number];

/** One problem, on the (first physical) line it concerns. */
export interface HbaFinding {
  severity: HbaSeverity;
  line: number;
  code: HbaLintCode;
  message: string;
  /** What to change. */
  fix?: string;
}

/** Options of lintHba. */
export interface LintHbaOptions {
  /** The target server's pg_hba.conf syntax (plan/versions.ts); what it lacks is reported. Unset: not checked. */
  readonly dialect?: HbaDialect;
  /** Name in the managed block's markers. @default 'pg-secure-setup' */
  readonly marker?: string;
}

// What an entry matches: keywords, groups and files keep their meaning only unquoted.
function entryKeys(rule: HbaRule, column: 'databases' | 'users'): string[] {
  return rule[column].map((value, i) => {
    const quoted = rule.quoted?.[column]?.[i] === true;
    if (!quoted) {
      if (column === 'databases' && ['all', 'sameuser', 'replication'].includes(value)) return `k:${value}`;
      if (column === 'databases' && (value === 'samerole' || value === 'samegroup')) return 'k:samerole';
      if (column === 'users' && value === 'all') return 'k:all';
      if (column === 'users' && value.startsWith('+')) return `g:${value.slice(1)}`;
      if (value.startsWith('@') && value.length > 1) return `f:${value.slice(1)}`;
    }
    // A leading slash is a regular expression from PostgreSQL 16 on, quoted or not.
    return value.startsWith('/') ? `r:${value.slice(1)}` : `n:${value}`;
  });
}

type Address =
  | { kind: 'all' }
  | { kind: 'samehost' }
  | { kind: 'samenet' }
  | { kind: 'ip'; range: IpRange; prefix: number | undefined }
  | { kind: 'host'; name: string }
  | { kind: 'local' };

function addressOf(rule: HbaRule): Address {
  if (rule.type === 'local') return { kind: 'local' };
  const text = rule.address ?? 'all';
  if (!rule.quoted?.address && (text === 'all' || text === 'samehost' || text === 'samenet')) return { kind: text };
  const slash = text.indexOf('/');
  const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!ip) return { kind: 'host', name: text.toLowerCase() };
  const maskIp = rule.mask === undefined ? undefined : parseIp(rule.mask);
  const mask = slash >= 0 ? cidrMask(text.slice(slash + 1), ip.family)! : maskIp!.value;
  const range = { family: ip.family, value: ip.value, mask };
  return { kind: 'ip', range, prefix: prefixLength(mask, ip.family) };
}

// Host names are matched case-insensitively; a leading dot matches any name ending with it.
function addressCovers(a: Address, b: Address): boolean {
  if (a.kind === 'local' || b.kind === 'local') return a.kind === b.kind;
  if (a.kind === 'all') return true;
  if (a.kind === 'samehost' || a.kind === 'samenet') return b.kind === a.kind;
  if (a.kind === 'ip') return b.kind === 'ip' && rangeContains(a.range, b.range);
  return b.kind === 'host' && (a.name === b.name || (a.name.startsWith('.') && b.name.endsWith(a.name)));
}

// host matches every TCP connection; the others only their own kind.
function typeCovers(a: HbaType, b: HbaType): boolean {
  return a === b || (a === 'host' && b !== 'local');
}

interface Indexed {
  readonly index: number;
  readonly line: HbaRecordLine;
  readonly type: HbaType;
  readonly dbs: readonly string[];
  readonly users: readonly string[];
  readonly address: Address;
}

function dbsCover(a: readonly string[], b: readonly string[]): boolean {
  return b.every((k) => {
    // `all` does not match replication connections, and an @file might name the replication keyword.
    if (k === 'k:replication' || k.startsWith('f:')) return a.includes(k);
    return a.includes('k:all') || a.includes(k);
  });
}

function usersCover(a: readonly string[], b: readonly string[]): boolean {
  return b.every((k) => a.includes('k:all') || a.includes(k));
}

function covers(a: Indexed, b: Omit<Indexed, 'index' | 'line'>): boolean {
  return typeCovers(a.type, b.type) && dbsCover(a.dbs, b.dbs) && usersCover(a.users, b.users) && addressCovers(a.address, b.address);
}

/**
 * Earlier records by type, address, first database and first user, so a
 * record is compared with the few that could cover it and not with all:
 * lint stays near linear on large files.
 */
class CoverIndex {
  // type+address -> first database+first user -> records in file order (NUL never occurs in a token)
  private readonly buckets = new Map<string, Map<string, Indexed[]>>();
  private readonly prefixes = { 4: new Set<number>(), 6: new Set<number>() };

  private static addrKeys(address: Address): string[] {
    switch (address.kind) {
      case 'ip':
        return address.prefix === undefined ? ['ipx'] : [networkKey(address.range.value, address.prefix, address.range.family)];
      case 'host':
        return [`h:${address.name}`];
      default:
        return [address.kind];
    }
  }

  add(rec: Indexed): void {
    if (rec.address.kind === 'ip' && rec.address.prefix !== undefined) this.prefixes[rec.address.range.family].add(rec.address.prefix);
    const dbKeys = rec.dbs.includes('k:all') ? ['D*', ...rec.dbs] : rec.dbs;
    const userKeys = rec.users.includes('k:all') ? ['U*'] : rec.users;
    // Very long lists go into fewer buckets: keyed by type and address only.
    const wide = dbKeys.length * userKeys.length > 64;
    for (const a of CoverIndex.addrKeys(rec.address)) {
      const key = `${rec.type}\0${a}`;
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = new Map()));
      for (const d of wide ? ['*'] : dbKeys) {
        for (const u of wide ? ['*'] : userKeys) {
          const list = bucket.get(`${d}\0${u}`);
          if (list) list.push(rec);
          else bucket.set(`${d}\0${u}`, [rec]);
        }
      }
    }
  }

  /** The first earlier record that covers `b`. */
  firstCovering(b: Omit<Indexed, 'index' | 'line'>): Indexed | undefined {
    const types: HbaType[] = b.type === 'local' || b.type === 'host' ? [b.type] : [b.type, 'host'];
    const db0 = b.dbs[0]!;
    const dbKeys = db0 === 'k:replication' || db0.startsWith('f:') ? [db0, '*'] : ['D*', db0, '*'];
    const userKeys = ['U*', b.users[0]!];
    let addrs: string[] | undefined;
    let best: Indexed | undefined;
    const scan = (list: Indexed[] | undefined): void => {
      for (const rec of list ?? []) {
        if (best && rec.index > best.index) return;
        if (covers(rec, b)) {
          best = rec;
          return;
        }
      }
    };
    for (const t of types) {
      for (const a of (addrs ??= this.candidateAddressKeys(b.address))) {
        const bucket = this.buckets.get(`${t}\0${a}`);
        if (!bucket) continue;
        for (const d of dbKeys) {
          if (d === '*') scan(bucket.get('*\0*'));
          else for (const u of userKeys) scan(bucket.get(`${d}\0${u}`));
        }
      }
    }
    return best;
  }

  private candidateAddressKeys(address: Address): string[] {
    switch (address.kind) {
      case 'local':
        return ['local'];
      case 'all':
        return ['all'];
      case 'samehost':
      case 'samenet':
        return ['all', address.kind];
      case 'host': {
        const keys = ['all', `h:${address.name}`];
        for (let i = address.name.indexOf('.', 1); i >= 0; i = address.name.indexOf('.', i + 1)) keys.push(`h:${address.name.slice(i)}`);
        return keys;
      }
      case 'ip': {
        const { family, value, mask } = address.range;
        const keys = ['all', 'ipx'];
        // A contiguous prefix of q bits covers the range when q is no longer than the range's own leading fixed bits.
        const fixed = leadingOnes(mask, family);
        for (const q of this.prefixes[family]) if (q <= fixed) keys.push(networkKey(value, q, family));
        return keys;
      }
    }
  }
}

/**
 * The earlier record(s) that leave a record nothing to match: one record
 * covering it, or for `host` a pair that splits every TCP connection
 * between them (with and without TLS, with and without GSSAPI encryption).
 */
function shadowingLines(index: CoverIndex, rec: Indexed): number[] | undefined {
  const single = index.firstCovering(rec);
  if (single) return [single.line.lineNumber];
  if (rec.type !== 'host') return undefined;
  for (const [yes, no] of [['hostssl', 'hostnossl'], ['hostgssenc', 'hostnogssenc']] as const) {
    const a = index.firstCovering({ ...rec, type: yes });
    const b = a && index.firstCovering({ ...rec, type: no });
    if (a && b) return [a.line.lineNumber, b.line.lineNumber].sort((x, y) => x - y);
  }
  return undefined;
}

const NETWORK_SCRAM_FIX = 'use scram-sha-256 (after every role has set its password again, so it is stored as SCRAM)';

function methodFindings(line: HbaRecordLine): HbaFinding[] {
  const { rule, lineNumber: n } = line;
  const out: HbaFinding[] = [];
  const network = rule.type !== 'local';
  if (network && rule.method === 'trust') {
    out.push({ severity: 'error', line: n, code: 'trust-network', message: `${rule.type} record with trust: anyone who can reach the server connects as any of its roles without a password`, fix: 'use scram-sha-256 or cert on a hostssl record' });
  }
  if (!network && rule.method === 'trust') {
    // 20.4: trust over the socket lets any OS user who can reach it in, as any role the record names.
    out.push({ severity: 'error', line: n, code: 'trust-local', message: 'local record with trust: any OS user who can reach the socket connects as any role it names, without a password', fix: 'use peer (the OS user must be the role, 20.9) or scram-sha-256' });
  }
  if (network && rule.method === 'password') {
    out.push({ severity: 'warning', line: n, code: 'password-network', message: `${rule.type} record with password: the password travels in clear text to the server`, fix: NETWORK_SCRAM_FIX });
  }
  if (rule.method === 'md5') {
    out.push(
      network
        ? { severity: 'warning', line: n, code: 'md5-network', message: 'md5 authentication on a network record: a stolen md5 hash logs in like the password itself, which SCRAM prevents', fix: NETWORK_SCRAM_FIX }
        : { severity: 'info', line: n, code: 'md5-local', message: 'md5 authentication on a local record', fix: 'use peer or scram-sha-256' },
    );
  }
  return out;
}

// For a document parsed with another dialect than the target's (parsed with the target's, these lines are invalid).
function versionFindings(line: HbaLine, dialect: HbaDialect | undefined): HbaFinding[] {
  if (dialect === undefined) return [];
  const out: HbaFinding[] = [];
  const n = line.lineNumber;
  if (line.span > 1 && !dialect.continuations) {
    out.push({ severity: 'error', line: n, code: 'needs-newer-server', message: `backslash line continuation needs PostgreSQL 14; ${dialect.server} reads these as separate lines` });
  }
  if (line.kind === 'include' && !dialect.includes) {
    out.push({ severity: 'error', line: n, code: 'needs-newer-server', message: `${line.directive} needs PostgreSQL 16; ${dialect.server} rejects the line and with it the file` });
  }
  if (line.kind === 'record' && !dialect.regexNames && [...line.rule.databases, ...line.rule.users].some((v) => v.startsWith('/'))) {
    out.push({ severity: 'warning', line: n, code: 'needs-newer-server', message: `names starting with / are regular expressions from PostgreSQL 16 on; ${dialect.server} matches them literally` });
  }
  return out;
}

// A `#` before a continuation makes the next physical line part of the comment (PostgreSQL 14+).
function swallowsLine(line: HbaLine): boolean {
  if (line.span < 2 || line.comment === undefined) return false;
  const commentAt = line.text.length - line.comment.length;
  const segs = lineSegments(line.raw);
  return commentAt < segs[segs.length - 1]!.logical;
}

/** Report problems in a parsed pg_hba.conf, in line order. */
export function lintHba(doc: HbaDocument, opts: LintHbaOptions = {}): HbaFinding[] {
  const findings: HbaFinding[] = [];
  try {
    findBlock(doc, opts.marker);
  } catch (e) {
    if (!(e instanceof HbaEditError)) throw e;
    findings.push({ severity: 'error', line: e.line ?? 1, code: 'marker-unbalanced', message: e.message });
  }
  const index = new CoverIndex();
  doc.lines.forEach((line, i) => {
    const n = line.lineNumber;
    findings.push(...versionFindings(line, opts.dialect));
    if (swallowsLine(line)) {
      findings.push({ severity: 'warning', line: n, code: 'comment-continues', message: `the comment ends in a backslash, so the server reads the next ${line.span - 1} line(s) as part of it`, fix: 'remove the trailing backslash' });
    }
    if (line.kind === 'invalid') {
      const message = `the server rejects this line, and with it the whole file: ${line.error}`;
      if (line.errorCode === 'clientcert-legacy') {
        findings.push({ severity: 'error', line: n, code: 'clientcert-legacy', message: `${message} (clientcert=1, 0 and no-verify were removed in PostgreSQL 14)`, fix: 'use clientcert=verify-ca or clientcert=verify-full, or drop the option' });
      } else if (line.errorCode === 'needs-newer-server') {
        findings.push({ severity: 'error', line: n, code: 'needs-newer-server', message, fix: 'write it as the server reads it: one line per record, the rules themselves instead of an include' });
      } else if (line.errorCode === 'cert-verify-ca') {
        findings.push({ severity: 'error', line: n, code: 'cert-verify-ca', message, fix: 'drop clientcert (cert implies verify-full) or use clientcert=verify-full' });
      } else {
        findings.push({ severity: 'error', line: n, code: 'parse-error', message });
      }
      return;
    }
    if (line.kind === 'include') {
      findings.push({ severity: 'info', line: n, code: 'include-unchecked', message: `the rules in ${line.directive} ${line.path} are not checked here` });
      return;
    }
    if (line.kind !== 'record') return;
    findings.push(...methodFindings(line));
    const rec: Indexed = {
      index: i,
      line,
      type: line.rule.type,
      dbs: entryKeys(line.rule, 'databases'),
      users: entryKeys(line.rule, 'users'),
      address: addressOf(line.rule),
    };
    const shadow = shadowingLines(index, rec);
    if (shadow) {
      const which = shadow.length === 1 ? `line ${shadow[0]} matches` : `lines ${shadow.join(' and ')} together match`;
      findings.push({ severity: 'warning', line: n, code: 'shadowed', message: `this record can never match: ${which} every connection it would, and the first match wins`, fix: `remove it, or move it above line ${shadow[0]}` });
    }
    if (['host', 'hostnossl', 'hostnogssenc'].includes(rec.type) && line.rule.method !== 'reject') {
      // Plaintext connections in its scope reach it unless an earlier record takes them all.
      const earlier = index.firstCovering({ ...rec, type: 'hostnossl' });
      if (!earlier) {
        findings.push({ severity: 'warning', line: n, code: 'plaintext-allowed', message: `${rec.type} record with ${line.rule.method}: it also accepts connections without TLS`, fix: 'use hostssl, or put "hostnossl all all all reject" above it' });
      }
    }
    index.add(rec);
  });
  return findings;
}
