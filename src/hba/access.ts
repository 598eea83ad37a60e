/**
 * Who can still log in under a pg_hba.conf: for one role, the connections an
 * administrator or client would try (the Unix socket; TCP with and without
 * TLS from the loopback addresses and each network a record names), the
 * first record each one matches (20.1: no fall-through), and whether the
 * role has what that record's method asks for (20.4 trust, 20.5 password
 * methods, 20.9 peer). Pure: no I/O. Anything it cannot know (group
 * membership, @files, host names, external methods, client certificates)
 * makes the answer "maybe", never "yes".
 */
import { cidrMask, parseIp, rangeContains, type IpRange } from './address.js';
import type { HbaRule } from './model.js';
import type { HbaDocument, HbaIncludeLine, HbaRecordLine } from './parse.js';

/** A role that may log in, as pg_authid knows it. */
export interface LoginRole {
  readonly name: string;
  readonly superuser: boolean;
  /** What rolpassword holds. */
  readonly secret: 'scram' | 'md5' | 'none';
}

/** What the check assumes about the machine and the server. */
export interface AccessContext {
  /** OS user names that exist here: peer lets such a user in as the role of the same name. */
  readonly osUsers: ReadonlySet<string>;
  /** Whether the server accepts TLS (ssl = on). */
  readonly ssl: boolean;
  /** The database connections ask for. @default 'postgres' */
  readonly database?: string;
}

/** yes: surely gets in; no: surely not; maybe: depends on what cannot be known here. */
export type Verdict = 'yes' | 'no' | 'maybe';

/** Whether a role gets in, and the first way found. */
export interface WayIn {
  readonly verdict: Verdict;
  /** For yes (or maybe): how, e.g. "over the Unix socket with peer (line 3)". */
  readonly how?: string;
}

type Conn = { kind: 'local' } | { kind: 'tcp'; ssl: boolean; addr: string; ip: IpRange };

/** The lines that matter for one role: includes, and records whose user column may name it. */
type Lines = readonly (HbaRecordLine | HbaIncludeLine)[];

const and = (a: Verdict, b: Verdict): Verdict => (a === 'no' || b === 'no' ? 'no' : a === 'maybe' || b === 'maybe' ? 'maybe' : 'yes');
const any = (vs: Verdict[]): Verdict => (vs.includes('yes') ? 'yes' : vs.includes('maybe') ? 'maybe' : 'no');

function typeMatches(rule: HbaRule, c: Conn): Verdict {
  if (c.kind === 'local') return rule.type === 'local' ? 'yes' : 'no';
  switch (rule.type) {
    case 'host':
    case 'hostnogssenc':
      return 'yes';
    case 'hostssl':
      return c.ssl ? 'yes' : 'no';
    case 'hostnossl':
      return c.ssl ? 'no' : 'yes';
    default:
      // hostgssenc: these connections do not ask for GSSAPI encryption; local never matches TCP.
      return 'no';
  }
}

function dbMatches(rule: HbaRule, role: string, db: string): Verdict {
  return any(
    rule.databases.map((d, i): Verdict => {
      const quoted = rule.quoted?.databases?.[i] === true;
      if (!quoted && d === 'all') return 'yes';
      if (!quoted && d === 'replication') return 'no'; // an ordinary connection
      if (!quoted && d === 'sameuser') return role === db ? 'yes' : 'no';
      if (!quoted && (d === 'samerole' || d === 'samegroup' || d.startsWith('@'))) return 'maybe';
      if (d.startsWith('/')) return 'maybe'; // a regular expression from 16 on
      return d === db ? 'yes' : 'no';
    }),
  );
}

// A loop, not map(): it runs for every record and role, so large files stay quick.
function userMatches(rule: HbaRule, role: string): Verdict {
  let best: Verdict = 'no';
  for (let i = 0; i < rule.users.length; i++) {
    const u = rule.users[i]!;
    if (u === role) return 'yes';
    const quoted = rule.quoted?.users?.[i] === true;
    if (!quoted && u === 'all') return 'yes';
    if (u.startsWith('/') || (!quoted && (u.startsWith('+') || u.startsWith('@')))) best = 'maybe';
  }
  return best;
}

const ranges = new WeakMap<HbaRule, IpRange | null>();

// The record's address as a range, parsed once; undefined for keywords and host names.
function ruleRange(rule: HbaRule): IpRange | undefined {
  let r = ranges.get(rule);
  if (r === undefined) ranges.set(rule, (r = parseRange(rule) ?? null));
  return r ?? undefined;
}

function parseRange(rule: HbaRule): IpRange | undefined {
  const text = rule.address ?? '';
  const slash = text.indexOf('/');
  const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!ip) return undefined;
  const mask = slash >= 0 ? cidrMask(text.slice(slash + 1), ip.family) : rule.mask !== undefined ? parseIp(rule.mask)?.value : undefined;
  return mask === undefined ? undefined : { family: ip.family, value: ip.value, mask };
}

function addressMatches(rule: HbaRule, c: Conn): Verdict {
  if (c.kind === 'local') return 'yes';
  const text = rule.address ?? 'all';
  if (!rule.quoted?.address && text === 'all') return 'yes';
  if (!rule.quoted?.address && (text === 'samehost' || text === 'samenet')) return isLoopback(c.addr) ? 'yes' : 'maybe';
  const range = ruleRange(rule);
  if (!range) return 'maybe'; // a host name: depends on DNS
  return range.family === c.ip.family && rangeContains(range, c.ip) ? 'yes' : 'no';
}

const isLoopback = (addr: string): boolean => addr === '127.0.0.1' || addr === '::1';

const EXTERNAL = new Set(['gss', 'sspi', 'ldap', 'radius', 'pam', 'bsd', 'cert', 'ident']);

// What the record's method asks of this role (20.3 Authentication Methods).
function methodLets(rule: HbaRule, role: LoginRole, c: Conn, ctx: AccessContext): { verdict: Verdict; with: string } {
  const certToo = rule.options.some(([k, v]) => k === 'clientcert' && v !== '0' && v !== 'no-verify');
  const secretOk = (ok: boolean, what: string) => ({ verdict: ok ? (certToo ? ('maybe' as const) : ('yes' as const)) : ('no' as const), with: certToo ? `${what} and a client certificate` : what });
  const method = c.kind === 'local' && rule.method === 'ident' ? 'peer' : rule.method; // ident over the socket is peer (20.8)
  switch (method) {
    case 'trust':
      return { verdict: 'yes', with: 'trust (no password)' };
    case 'reject':
      return { verdict: 'no', with: 'reject' };
    case 'peer': {
      if (rule.options.some(([k]) => k === 'map')) return { verdict: 'maybe', with: 'peer through a user name map' };
      return { verdict: ctx.osUsers.has(role.name) ? 'yes' : 'no', with: `peer, as the OS user ${role.name}` };
    }
    case 'scram-sha-256':
      return secretOk(role.secret === 'scram', 'its SCRAM password');
    case 'md5':
      return secretOk(role.secret !== 'none', 'its password');
    case 'password':
      return secretOk(role.secret !== 'none', 'its password (sent as typed)');
    default:
      return { verdict: EXTERNAL.has(method) ? 'maybe' : 'no', with: method };
  }
}

function describe(c: Conn, line: number, how: string): string {
  const where = c.kind === 'local' ? 'over the Unix socket' : `over TCP ${c.ssl ? 'with TLS' : 'without TLS'} from ${c.addr}`;
  return `${where} with ${how} (pg_hba.conf line ${line})`;
}

// The first record decides; a record that may or may not match leaves it open.
function tryConnection(lines: Lines, role: LoginRole, c: Conn, ctx: AccessContext): WayIn {
  let earlier = false; // an earlier record may have matched and decided
  let unsure: string | undefined; // ... and may have let the role in
  for (const line of lines) {
    if (line.kind === 'include') return { verdict: 'maybe', how: unsure ?? `through the included ${line.path}` };
    const { rule } = line;
    const type = typeMatches(rule, c);
    if (type === 'no') continue;
    const match = and(and(type, addressMatches(rule, c)), and(dbMatches(rule, role.name, ctx.database ?? 'postgres'), userMatches(rule, role.name)));
    if (match === 'no') continue;
    const lets = methodLets(rule, role, c, ctx);
    if (match === 'yes') {
      if (lets.verdict === 'no') return unsure ? { verdict: 'maybe', how: unsure } : { verdict: 'no' };
      const how = describe(c, line.lineNumber, lets.with);
      return earlier ? { verdict: 'maybe', how: unsure ?? how } : { verdict: lets.verdict, how };
    }
    earlier = true;
    if (lets.verdict !== 'no') unsure ??= describe(c, line.lineNumber, lets.with);
  }
  return unsure ? { verdict: 'maybe', how: unsure } : { verdict: 'no' };
}

/** Most TCP client addresses tried per role; past it an unfound way in is "maybe". */
const MAX_ADDRESSES = 64;

/** TCP client addresses worth trying: loopback, and the first address of every range a record the role may match names. */
function addresses(lines: Lines): { list: string[]; cut: boolean } {
  const out = new Set(['127.0.0.1', '::1']);
  for (const line of lines) {
    if (line.kind !== 'record' || line.rule.type === 'local') continue;
    const range = ruleRange(line.rule);
    if (range) out.add(formatIp(range.value & range.mask, range.family));
  }
  const list = [...out];
  return { list: list.slice(0, MAX_ADDRESSES), cut: list.length > MAX_ADDRESSES };
}

function formatIp(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

/** Whether `role` can log in under `doc`: yes (and how), no, or maybe (it depends on what cannot be known here). */
export function whoGetsIn(doc: HbaDocument, role: LoginRole, ctx: AccessContext): WayIn {
  const lines: Lines = doc.lines.filter((l): l is HbaRecordLine | HbaIncludeLine => l.kind === 'include' || (l.kind === 'record' && userMatches(l.rule, role.name) !== 'no'));
  const conns: Conn[] = [{ kind: 'local' }];
  const { list, cut } = addresses(lines);
  for (const addr of list) {
    const { family, value } = parseIp(addr)!;
    const ip = { family, value, mask: family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n };
    if (ctx.ssl) conns.push({ kind: 'tcp', ssl: true, addr, ip });
    conns.push({ kind: 'tcp', ssl: false, addr, ip });
  }
  let maybe: WayIn | undefined;
  for (const c of conns) {
    const way = tryConnection(lines, role, c, ctx);
    if (way.verdict === 'yes') return way;
    if (way.verdict === 'maybe') maybe ??= way;
  }
  return maybe ?? (cut ? { verdict: 'maybe', how: `from one of the networks not tried (more than ${MAX_ADDRESSES})` } : { verdict: 'no' });
}
