/**
 * Who the rules let in from where: listen_addresses weighed against the
 * rules, superusers over the network, ident over TCP, source ranges wider
 * than any site means, roles with no password, and the lines the profiles
 * disagree on (19.3.1 Connection Settings, 20.1 The pg_hba.conf File,
 * 20.8 Ident Authentication).
 */
import { isIP } from 'node:net';
import { lintHba, parseHba, type HbaRecordLine } from '../hba/index.js';
import { knownVersionTraits } from '../plan/versions.js';
import type { AuditFacts, Finding } from './types.js';

const PASSWORD_METHODS = new Set(['scram-sha-256', 'md5', 'password']);
const WILDCARDS = new Set(['*', '0.0.0.0', '::']);

interface Live {
  rec: HbaRecordLine;
  where: string;
}

/** Records a connection can reach (not shadowed, not invalid). */
function liveRecords(facts: AuditFacts): Live[] {
  const src = facts.hba;
  if (!src) return [];
  const dialect = knownVersionTraits(facts.major)?.hba;
  const doc = parseHba(src.text, dialect);
  const dead = new Set(lintHba(doc, dialect ? { dialect } : {}).filter((f) => f.code === 'shadowed').map((f) => f.line));
  return doc.lines
    .filter((l): l is HbaRecordLine => l.kind === 'record' && !dead.has(l.lineNumber))
    .map((rec) => ({ rec, where: `${src.path}:${rec.lineNumber}` }));
}

function prefixOf(rec: HbaRecordLine): { family: 4 | 6; bits: number } | 'all' | undefined {
  const a = rec.rule.address;
  if (a === undefined) return undefined;
  if (a === 'all') return 'all';
  const [ip, bits] = a.split('/');
  const family = isIP(ip ?? '');
  if (family !== 4 && family !== 6) return undefined;
  if (bits !== undefined) return { family, bits: Number(bits) };
  if (rec.rule.mask) {
    const n = rec.rule.mask.split(/[.:]/).map((x) => Number.parseInt(x || '0', family === 4 ? 10 : 16));
    return { family, bits: n.reduce((sum, x) => sum + x.toString(2).replace(/0/g, '').length, 0) };
  }
  return { family, bits: family === 4 ? 32 : 128 };
}

/**
 * Wider than a site means: everything, or broader than an IPv4 /8 (the
 * largest block ever handed to one organisation) or an IPv6 /32 (a
 * provider's allocation).
 */
function isWide(rec: HbaRecordLine): boolean {
  const p = prefixOf(rec);
  if (p === undefined) return false;
  if (p === 'all') return true;
  return p.family === 4 ? p.bits < 8 : p.bits < 32;
}

function isLoopback(rec: HbaRecordLine): boolean {
  const p = prefixOf(rec);
  if (p === undefined || p === 'all') return rec.rule.address === 'samehost';
  const ip = rec.rule.address!.split('/')[0]!;
  return p.family === 4 ? ip.startsWith('127.') && p.bits >= 8 : ip === '::1' && p.bits === 128;
}

const isNetwork = (rec: HbaRecordLine) => rec.rule.type !== 'local';
const lets = (rec: HbaRecordLine) => rec.rule.method !== 'reject';
const names = (rec: HbaRecordLine, role: string) => rec.rule.users.includes('all') || rec.rule.users.includes(role);
const text = (l: Live) => `${l.where}: ${l.rec.text.trim()}`;
const at = (facts: AuditFacts, l: Live) => ({ path: facts.hba!.path, line: l.rec.lineNumber });

function listen(facts: AuditFacts, live: Live[]): Finding[] {
  const v = facts.settings.listen_addresses;
  if (v === undefined) return [];
  const wild = v.split(',').map((x) => x.trim()).filter((x) => WILDCARDS.has(x));
  if (wild.length === 0) return [];
  const from = facts.settingSources.listen_addresses ? ` (${facts.settingSources.listen_addresses})` : '';
  const wide = live.filter((l) => isNetwork(l.rec) && lets(l.rec) && isWide(l.rec));
  if (wide.length > 0) {
    return [
      {
        id: 'listen-exposed',
        severity: 'medium',
        title: 'The server listens on every address and its rules let in clients from anywhere',
        evidence: `listen_addresses = '${v}'${from}; rules open to any address: ${wide.map(text).join('; ')}`,
        fix: "Name the addresses clients use in listen_addresses (a restart), and narrow those rules to the networks clients come from: pg-secure-setup generate --network CIDR.",
      },
    ];
  }
  return [
    {
      id: 'listen-wildcard',
      severity: 'low',
      title: 'The server listens on every address',
      evidence: `listen_addresses = '${v}'${from}; the rules admit only named networks`,
      fix: 'Name the addresses clients use in listen_addresses (19.3.1); it takes a restart.',
    },
  ];
}

function hbaLines(facts: AuditFacts, live: Live[]): Finding[] {
  const out: Finding[] = [];
  for (const l of live) {
    const r = l.rec.rule;
    if (isNetwork(l.rec) && r.method === 'ident') {
      out.push({ id: 'hba-ident-network', severity: 'high', title: 'A network rule uses ident: the client machine vouches for the user, so anyone who controls a client machine is anyone', evidence: text(l), fix: 'Use scram-sha-256 or cert on hostssl lines instead; ident over TCP suits only a closed network (20.8).', location: at(facts, l) });
    }
    // A client certificate asked for as well means a password alone cannot get in.
    if (isNetwork(l.rec) && PASSWORD_METHODS.has(r.method) && isWide(l.rec) && !r.options.some(([k]) => k === 'clientcert')) {
      out.push({ id: 'hba-wide-range', severity: 'medium', title: 'A password rule accepts clients from any address: passwords can be guessed from the whole Internet', evidence: text(l), fix: 'Narrow the address to the networks clients come from (pg-secure-setup generate --network CIDR), or use cert.', location: at(facts, l) });
    }
    if (r.method === 'reject') {
      out.push({ id: 'hba-reject-line', severity: 'low', title: 'A reject rule', evidence: text(l), fix: 'Under dev-sec, remove it and let the password rules decide; the default profile keeps "hostnossl all all all reject" first, which refuses plaintext before any password is asked.', location: at(facts, l) });
    }
    if (r.method === 'cert') {
      out.push({ id: 'hba-cert-method', severity: 'low', title: 'A rule authenticates by client certificate alone, without a password', evidence: text(l), fix: 'Add a password: scram-sha-256 clientcert=verify-full (pg-secure-setup generate --client-certs verify-full).', location: at(facts, l) });
    }
    if (r.type === 'local' && r.method !== 'peer' && r.method !== 'reject') {
      out.push({ id: 'hba-local-not-peer', severity: 'low', title: 'A local (Unix socket) rule does not use peer', evidence: text(l), fix: 'Use peer on local lines: the OS vouches for the user (20.9).', location: at(facts, l) });
    }
  }
  return out;
}

function roleFindings(facts: AuditFacts, live: Live[]): Finding[] {
  const roles = facts.roles;
  if (!roles) return [];
  const out: Finding[] = [];
  const supers = roles.filter((r) => r.superuser).map((r) => r.name);
  for (const l of live) {
    if (!isNetwork(l.rec) || !lets(l.rec) || isLoopback(l.rec)) continue;
    const reach = supers.filter((s) => names(l.rec, s));
    if (reach.length === 0) continue;
    // cert, or a password with clientcert=verify-full, asks for a certificate issued to that very role (CN = role, 20.12):
    // a second factor only the CA can hand out. CIS still wants superusers local only; the default does not.
    const bound = l.rec.rule.method === 'cert' || l.rec.rule.options.some(([k, v]) => k === 'clientcert' && v === 'verify-full');
    if (bound) {
      out.push({ id: 'superuser-network-cert', severity: 'low', title: 'Superusers can log in from the network with a client certificate issued to them', evidence: `${text(l)} admits ${reach.join(', ')}`, fix: 'If superusers need not come over the network, put a reject line for them before it (e.g. "hostssl all postgres all reject") and administer over the Unix socket with peer.', location: at(facts, l) });
      continue;
    }
    out.push({ id: 'superuser-network', severity: 'medium', title: 'Superusers can log in from the network', evidence: `${text(l)} admits ${reach.join(', ')}`, fix: 'Put a reject line for superusers before it (e.g. "host all postgres all reject"), and administer over the Unix socket with peer.', location: at(facts, l) });
  }
  const noPass = roles.filter((r) => !r.hasPassword && live.some((l) => lets(l.rec) && PASSWORD_METHODS.has(l.rec.rule.method) && names(l.rec, r.name)));
  if (noPass.length > 0) {
    out.push({ id: 'role-no-password', severity: 'low', title: `${noPass.length} login role(s) have no password, though a password rule applies to them`, evidence: `pg_authid.rolpassword IS NULL: ${noPass.map((r) => r.name).join(', ')}`, fix: 'Give each a password: pg-secure-setup set-password ROLE (a SCRAM secret computed here), or NOLOGIN if it should not log in.' });
  }
  return out;
}

/** Access findings from the rules, the roles and listen_addresses. */
export function accessFindings(facts: AuditFacts): Finding[] {
  const live = liveRecords(facts);
  return [...listen(facts, live), ...hbaLines(facts, live), ...roleFindings(facts, live)];
}
