/**
 * Validators shared by every front end. Each returns undefined when the value
 * is fine, else a message that says what is wrong (the caller names the field).
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { parseHost } from '../pki/hosts.js';

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Strip [brackets] from an IPv6 literal as users often write it. */
export function unbracket(host: string): string {
  return /^\[.*\]$/.test(host) ? host.slice(1, -1) : host;
}

/** Most server names and addresses in one certificate. */
export const MAX_HOSTS = 100;
/** Most client networks (each is two pg_hba.conf lines). */
export const MAX_NETWORKS = 100;
/** Most roles with a client certificate in one bundle (each is a key to generate). */
export const MAX_CLIENT_USERS = 200;

/**
 * A DNS name (a trailing root dot is allowed), a `*.` wildcard name, an IPv4
 * or an IPv6 address, bare or in [brackets] (RFC 1123, RFC 1035 2.3.4,
 * RFC 6125 6.4.3). normalizeHost gives the accepted ones their one spelling.
 */
export function checkHost(host: string): string | undefined {
  if (host.length === 0) return 'must not be empty';
  const bracketed = /^\[.*\]$/.test(host);
  const bare = unbracket(host);
  const zone = bare.indexOf('%');
  if (zone >= 0 && isIPv6(bare)) {
    return `"${host}": an IPv6 zone (${bare.slice(zone)}) names a network interface of one machine and cannot go in a certificate; give the address alone (${bare.slice(0, zone)})`;
  }
  if (bracketed && !isIPv6(bare)) return `"${host}": only an IPv6 address goes in [brackets]`;
  if (isIP(bare)) return undefined;
  if (/^[\d.]+$/.test(host) && /\d/.test(host)) return `"${host}" is not a valid IPv4 address`;
  if (host.includes(':')) return `"${host}" is not a valid IPv6 address`;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253) return `"${host}" is longer than 253 characters`;
  const labels = name.split('.');
  const wildcard = labels[0] === '*';
  if (wildcard && labels.length < 3) return `"${host}": a wildcard needs at least two labels after "*." (e.g. *.db.example.com)`;
  if (labels.slice(1).includes('*') || labels.some((l) => l !== '*' && l.includes('*'))) {
    return `"${host}": "*" may only stand alone as the leftmost label`;
  }
  for (const label of wildcard ? labels.slice(1) : labels) {
    if (!DNS_LABEL.test(label)) return `"${host}" is not a valid host name (letters, digits and hyphens, labels of 1-63 characters)`;
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return `"${host}" is not a valid host name (the last label cannot be all digits)`;
  return undefined;
}

/**
 * The one spelling of a host checkHost accepted, as it goes into the
 * certificate and the connection strings: IPv6 without brackets in RFC 5952
 * form, DNS names in lower case without the trailing root dot (a
 * certificate's dNSName has none, RFC 5280 4.2.1.6).
 */
export function normalizeHost(host: string): string {
  const bare = unbracket(host.trim());
  if (isIP(bare)) return parseHost(bare).value;
  return (bare.endsWith('.') ? bare.slice(0, -1) : bare).toLowerCase();
}

const NETWORK_KEYWORDS = ['all', 'samehost', 'samenet'] as const;

/** A pg_hba address: CIDR (IPv4 or IPv6) or all / samehost / samenet (Client Authentication, pg_hba.conf "address"). */
export function checkNetwork(net: string): string | undefined {
  if ((NETWORK_KEYWORDS as readonly string[]).includes(net)) return undefined;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(net);
  if (!m) {
    if (isIP(net)) return `"${net}" needs a prefix length, e.g. ${net}/${isIPv4(net) ? 32 : 128}`;
    return `"${net}" is not a CIDR address (e.g. 10.0.0.0/8, 2001:db8::/32) or one of ${NETWORK_KEYWORDS.join(', ')}`;
  }
  const [, addr, bitsText] = m;
  const bits = Number(bitsText);
  const zone = addr!.indexOf('%');
  if (zone >= 0 && isIPv6(addr!)) {
    // Measured on PostgreSQL 15: a zone naming no interface of the server makes the line invalid; a known one is dropped.
    return `"${net}": an IPv6 zone (${addr!.slice(zone)}) depends on the server's network interfaces; give the range alone (${addr!.slice(0, zone)}/${bitsText})`;
  }
  if (isIPv4(addr!)) return bits <= 32 ? undefined : `"${net}": an IPv4 prefix length is 0-32`;
  if (isIPv6(addr!)) return bits <= 128 ? undefined : `"${net}": an IPv6 prefix length is 0-128`;
  return `"${net}": "${addr}" is not an IP address`;
}

/** Role names pg_hba.conf or SQL treat specially, or that PostgreSQL reserves. */
const RESERVED_ROLES = ['all', 'sameuser', 'samerole', 'replication', 'public', 'none', 'current_user', 'session_user', 'current_role'];

/**
 * A role name usable as a certificate CN, a directory name and a pg_hba user:
 * at most 63 bytes (NAMEDATALEN - 1), no pg_ prefix (reserved), no keywords.
 */
export function checkRole(role: string): string | undefined {
  if (role.length === 0) return 'must not be empty';
  if (Buffer.byteLength(role) > 63) return `"${role}" is longer than 63 bytes, PostgreSQL's limit for names`;
  if (!/^[A-Za-z_][A-Za-z0-9_.$-]*$/.test(role)) {
    return `"${role}" is not a usable role name (start with a letter or _, then letters, digits, _ . $ -)`;
  }
  if (/^pg_/i.test(role)) return `"${role}": names starting with pg_ are reserved for PostgreSQL's own roles`;
  if (RESERVED_ROLES.includes(role.toLowerCase())) return `"${role}" is a reserved word in pg_hba.conf or SQL`;
  return undefined;
}

/** Leaf validity in days: 1 to 3650. */
export function checkDays(days: number): string | undefined {
  if (!Number.isInteger(days) || days < 1 || days > 3650) return `${days} is not a whole number of days from 1 to 3650`;
  return undefined;
}

/** A TCP port: 1 to 65535 (19.3.1, port). */
export function checkPort(port: number): string | undefined {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `${port} is not a TCP port (a whole number from 1 to 65535)`;
  return undefined;
}

/** `value` must be one of `allowed`. */
export function checkOneOf<T>(value: unknown, allowed: readonly T[]): string | undefined {
  return allowed.includes(value as T) ? undefined : `"${String(value)}" is not one of ${allowed.join(', ')}`;
}

/** A bundle directory path. */
export function checkOut(out: string): string | undefined {
  if (out.trim().length === 0) return 'must not be empty';
  if (out.includes('\0')) return 'must not contain a NUL byte';
  if (Buffer.byteLength(out) > 4095) return `is ${Buffer.byteLength(out)} bytes long; a path is at most 4095 (PATH_MAX)`;
  return undefined;
}
