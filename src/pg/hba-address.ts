/**
 * Numeric addresses in pg_hba.conf: what the server accepts as an IP address,
 * a CIDR length or a netmask, and when one address range contains another
 * (Client Authentication, "The pg_hba.conf File", the address field). Pure.
 */

/** An IPv4 or IPv6 address as a number (32 or 128 bits). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A set of addresses: those equal to `value` on every bit set in `mask`. */
export interface IpRange {
  readonly family: 4 | 6;
  readonly value: bigint;
  readonly mask: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

function allOnes(family: 4 | 6): bigint {
  return (1n << BigInt(BITS[family])) - 1n;
}

/**
 * IPv4 the way getaddrinfo(AI_NUMERICHOST) reads it: inet_aton's 1 to 4
 * parts, each decimal, 0x hex or 0 octal, so `127.1` and `0x7f.0.0.1` are
 * addresses (checked against PostgreSQL 15's pg_hba_file_rules). One pass
 * over the characters and a plain number, because every record has one.
 */
export function parseIpv4Number(text: string): number | undefined {
  let value = 0;
  let part = 0; // index of the current part
  let n = 0;
  let radix = 10;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c === 46) {
      if (digits === 0 && radix !== 16) return undefined;
      const last = i === text.length;
      // Leading parts are one byte each; the last fills the remaining bytes.
      if (last ? n >= 2 ** (8 * (4 - part)) : n > 255 || part === 3) return undefined;
      value += last ? n : n * 2 ** (24 - 8 * part);
      part++;
      n = 0;
      radix = 10;
      digits = 0;
      continue;
    }
    if (digits === 0 && radix === 10 && c === 48 && i + 1 < text.length && text.charCodeAt(i + 1) !== 46) {
      const x = text.charCodeAt(i + 1) | 0x20;
      radix = x === 120 ? 16 : 8; // "0x" / "0X"; else a leading zero means octal
      if (radix === 16) i++;
      continue;
    }
    const lower = c | 0x20;
    const d = c >= 48 && c <= 57 ? c - 48 : lower >= 97 && lower <= 102 ? lower - 87 : 99;
    if (d >= radix) return undefined;
    n = n * radix + d;
    digits++;
    if (n > 0xffffffff) return undefined;
  }
  return value;
}

/** IPv6 as eight 16-bit groups: `::`, a dotted IPv4 tail and a `%zone` (ignored) are allowed. */
export function ipv6Groups(text: string): number[] | undefined {
  let end = text.indexOf('%');
  if (end === text.length - 1) return undefined;
  if (end < 0) end = text.length;
  const groups: number[] = [];
  let gap = -1; // where "::" stands, in groups
  let i = 0;
  if (text.startsWith('::')) {
    gap = 0;
    i = 2;
  } else if (text.charCodeAt(0) === 58) {
    return undefined;
  }
  while (i < end) {
    let j = i;
    let v4 = false;
    while (j < end && text.charCodeAt(j) !== 58) if (text.charCodeAt(j++) === 46) v4 = true;
    if (v4) {
      // A dotted IPv4 tail, strictly four decimal parts, only last.
      const tail = j === end && /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(text.slice(i, j)) ? parseIpv4Number(text.slice(i, j)) : undefined;
      if (tail === undefined) return undefined;
      groups.push(Math.floor(tail / 65536), tail % 65536);
    } else {
      if (j === i || j - i > 4) return undefined;
      let v = 0;
      for (let k = i; k < j; k++) {
        const c = text.charCodeAt(k);
        const lower = c | 0x20;
        const d = c >= 48 && c <= 57 ? c - 48 : lower >= 97 && lower <= 102 ? lower - 87 : -1;
        if (d < 0) return undefined;
        v = v * 16 + d;
      }
      groups.push(v);
    }
    if (j === end) break;
    if (text.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return undefined;
    }
  }
  if (gap < 0) return groups.length === 8 ? groups : undefined;
  if (groups.length > 7) return undefined;
  groups.splice(gap, 0, ...Array<number>(8 - groups.length).fill(0));
  return groups;
}

/** Which family a numeric address is, or undefined when the server would take the text as a host name. */
export function ipFamily(text: string): 4 | 6 | undefined {
  if (parseIpv4Number(text) !== undefined) return 4;
  return text.includes(':') && ipv6Groups(text) !== undefined ? 6 : undefined;
}

/** A numeric address as a bigint, or undefined for a host name. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4Number(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  const groups = text.includes(':') ? ipv6Groups(text) : undefined;
  return groups && { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

/**
 * The CIDR length, or undefined when the server rejects it: it reads the
 * length with strtol (a sign is allowed, nothing after the digits) and
 * wants 0..32 or 0..128.
 */
export function cidrBits(bits: string, family: 4 | 6): number | undefined {
  const m = /^\s*([+-]?)(\d+)$/.exec(bits);
  if (!m) return undefined;
  const n = Number(m[2]);
  return n > BITS[family] || (m[1] === '-' && n !== 0) ? undefined : n;
}

/** The mask for a CIDR length, or undefined when the server rejects the length. */
export function cidrMask(bits: string, family: 4 | 6): bigint | undefined {
  const n = cidrBits(bits, family);
  return n === undefined ? undefined : maskOf(n, family);
}

/** A mask of `bits` leading ones. */
export function maskOf(bits: number, family: 4 | 6): bigint {
  const width = BITS[family];
  return bits === 0 ? 0n : (allOnes(family) >> BigInt(width - bits)) << BigInt(width - bits);
}

/** The CIDR length of a mask, or undefined when its one bits are not contiguous. */
export function prefixLength(mask: bigint, family: 4 | 6): number | undefined {
  const n = leadingOnes(mask, family);
  return mask === maskOf(n, family) ? n : undefined;
}

/** How many leading bits of a mask are one. */
export function leadingOnes(mask: bigint, family: 4 | 6): number {
  const width = BITS[family];
  // The highest one bit of the inverted mask is the first zero bit from the top.
  const inverted = allOnes(family) ^ mask;
  return width - (inverted === 0n ? 0 : inverted.toString(2).length);
}

/** Whether every address in `inner` is also in `outer` (same family only: the server never mixes them). */
export function rangeContains(outer: IpRange, inner: IpRange): boolean {
  if (outer.family !== inner.family) return false;
  // Every bit outer checks must also be fixed by inner, with the same value.
  return (outer.mask & ~inner.mask) === 0n && (inner.value & outer.mask) === (outer.value & outer.mask);
}

/** The range's network address, masked to `bits` leading bits. */
export function networkKey(value: bigint, bits: number, family: 4 | 6): string {
  const width = BITS[family];
  const masked = bits === 0 ? 0n : (value >> BigInt(width - bits)) << BigInt(width - bits);
  return `${family}/${bits}/${masked.toString(16)}`;
}
