import { isIP } from 'node:net';

/** One subjectAltName entry, typed the way RFC 5280 4.2.1.6 encodes it. */
export type SanEntry =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: string; readonly bytes: Uint8Array };

const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Classify a host for subjectAltName: IPv4/IPv6 (by node:net isIP, IPv6 also
 * in [brackets]) become iPAddress, anything else must be a DNS name
 * (RFC 1123 labels, optional '*.' as the whole leftmost label) and becomes
 * dNSName. Throws on anything else.
 */
export function parseHost(input: string): SanEntry {
  const host = input.trim();
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const bare = bracketed ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (bracketed && family !== 6) {
    throw new Error(`Host "${input}": only IPv6 addresses go in [brackets].`);
  }
  if (family !== 0) {
    if (bare.includes('%')) {
      throw new Error(`Host "${input}": an IPv6 zone id (%...) cannot go in a certificate.`);
    }
    const bytes = family === 4 ? ipv4Bytes(bare) : ipv6Bytes(bare);
    return { type: 'ip', value: formatIp(bytes), bytes };
  }
  const name = host.toLowerCase();
  if (!isDnsName(name)) {
    throw new Error(
      `Host "${input}" is neither a DNS name (letters, digits, '-', dots; optional leading '*.') ` +
        'nor an IPv4/IPv6 address.',
    );
  }
  return { type: 'dns', value: name };
}

function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels[0] === '*') labels.shift();
  if (labels.length === 0 || !labels.every((l) => label.test(l))) return false;
  // An all-digit last label is a mistyped IP address, not a name (RFC 3696 2).
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

function ipv4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map((part) => Number.parseInt(part, 10)));
}

/** 16 bytes of an IPv6 address already validated by isIP (may end in dotted IPv4). */
function ipv6Bytes(ip: string): Uint8Array {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // Rewrite a dotted IPv4 tail as two hex groups.
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const [head, rest] = text.split('::');
  const left = groups(head);
  const right = groups(rest);
  const fill = rest === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  const bytes = new Uint8Array(16);
  [...left, ...fill, ...right].forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** Text form of a 4- or 16-byte address; IPv6 in RFC 5952 canonical form. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new Error(`An IP address has 4 or 16 bytes, not ${bytes.length}.`);
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 5).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  }
  // Longest run of two or more zero groups, first one on a tie (RFC 5952 4.2).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let len = 0;
    while (i + len < 8 && groups[i + len] === 0) len++;
    if (len > bestLen) [best, bestLen] = [i, len];
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}
