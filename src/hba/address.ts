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
  return ipv4At(text, 0, text.length);
}

// By part index (0 to 3): the weight of a leading part, and the bound of the last part.
const PART_SCALE = [2 ** 24, 2 ** 16, 2 ** 8, 1] as const;
const LAST_PART_LIMIT = [2 ** 32, 2 ** 24, 2 ** 16, 2 ** 8] as const;

// parseIpv4Number of text[start, stop): the parser reads a token's address part in place.
function ipv4At(text: string, start: number, stop: number): number | undefined {
  let value = 0;
  let part = 0; // index of the current part
  let n = 0;
  let radix = 10;
  let digits = 0;
  for (let i = start; i <= stop; i++) {
    const c = i < stop ? text.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c === 46) {
      if (digits === 0 && radix !== 16) return undefined;
      const last = i === stop;
      // Leading parts are one byte each; the last fills the remaining bytes.
      if (last ? n >= LAST_PART_LIMIT[part]! : n > 255 || part === 3) return undefined;
      value += last ? n : n * PART_SCALE[part]!;
      part++;
      n = 0;
      radix = 10;
      digits = 0;
      continue;
    }
    if (digits === 0 && radix === 10 && c === 48 && i + 1 < stop && text.charCodeAt(i + 1) !== 46) {
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

// The groups ipv6At read, reused so that checking an address allocates nothing.
// Two spare slots: an IPv4 tail adds two groups before the count is checked.
const groupsRead: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/** IPv6 as eight 16-bit groups: `::`, a dotted IPv4 tail and a `%zone` (ignored) are allowed. */
export function ipv6Groups(text: string): number[] | undefined {
  return ipv6At(text, 0, text.length) ? groupsRead.slice(0, 8) : undefined;
}

// Whether text[start, stop) is an IPv6 address; if so its eight groups are in groupsRead.
function ipv6At(text: string, start: number, stop: number): boolean {
  const groups = groupsRead;
  let end = text.indexOf('%', start);
  if (end >= stop) end = -1;
  if (end >= 0 && end === stop - 1) return false;
  if (end < 0) end = stop;
  let count = 0;
  let gap = -1; // where "::" stands, in groups
  let i = start;
  if (end - start >= 2 && text.charCodeAt(start) === 58 && text.charCodeAt(start + 1) === 58) {
    gap = 0;
    i = start + 2;
  } else if (start < end && text.charCodeAt(start) === 58) {
    return false;
  }
  while (i < end) {
    let j = i;
    let v4 = false;
    while (j < end && text.charCodeAt(j) !== 58) if (text.charCodeAt(j++) === 46) v4 = true;
    if (v4) {
      // A dotted IPv4 tail, strictly four decimal parts, only last.
      const tail = j === end && /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(text.slice(i, j)) ? ipv4At(text, i, j) : undefined;
      if (tail === undefined) return false;
      groups[count++] = Math.floor(tail / 65536);
      groups[count++] = tail % 65536;
    } else {
      if (j === i || j - i > 4) return false;
      let v = 0;
      for (let k = i; k < j; k++) {
        const c = text.charCodeAt(k);
        const lower = c | 0x20;
        const d = c >= 48 && c <= 57 ? c - 48 : lower >= 97 && lower <= 102 ? lower - 87 : -1;
        if (d < 0) return false;
        v = v * 16 + d;
      }
      groups[count++] = v;
    }
    // More than eight groups is never an address, whatever follows.
    if (count > 8) return false;
    if (j === end) break;
    if (j + 1 < end && text.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = count;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (gap < 0) return count === 8;
  if (count > 7) return false;
  // Move the groups after "::" to the end and zero the ones it stands for.
  const zeros = 8 - count;
  for (let k = count - 1; k >= gap; k--) groups[k + zeros] = groups[k]!;
  for (let k = gap; k < gap + zeros; k++) groups[k] = 0;
  return true;
}

/** Which family a numeric address is, or undefined when the server would take the text as a host name. */
export function ipFamily(text: string): 4 | 6 | undefined {
  return ipFamilyAt(text, 0, text.length);
}

/** ipFamily of text[start, stop), without cutting it out. */
export function ipFamilyAt(text: string, start: number, stop: number): 4 | 6 | undefined {
  if (ipv4At(text, start, stop) !== undefined) return 4;
  const colon = text.indexOf(':', start);
  return colon >= 0 && colon < stop && ipv6At(text, start, stop) ? 6 : undefined;
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
  return cidrBitsAt(bits, 0, family);
}

/** cidrBits of the text from `start` to its end, e.g. after an address's slash. */
export function cidrBitsAt(text: string, start: number, family: 4 | 6): number | undefined {
  // Plain digits, as every real file has them, need no regular expression.
  let n = 0;
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  if (i > start && i === text.length) return n > BITS[family] ? undefined : n;
  const m = /^\s*([+-]?)(\d+)$/.exec(start === 0 ? text : text.slice(start));
  if (!m) return undefined;
  const v = Number(m[2]);
  return v > BITS[family] || (m[1] === '-' && v !== 0) ? undefined : v;
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
