/**
 * SCRAM-SHA-256 secrets as PostgreSQL stores them in pg_authid.rolpassword
 * (Client Authentication, 20.5 Password Authentication; RFC 5802 section 3,
 * RFC 7677):
 *
 *   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
 *
 * Computed on the client so that `ALTER ROLE ... PASSWORD '<secret>'` is all
 * the server ever receives (ALTER ROLE: a password that is already in SCRAM
 * form is stored as it is). Pure: node:crypto only.
 *
 * Password preparation follows PostgreSQL's pg_saslprep (src/common/
 * saslprep.c), which applies SASLprep (RFC 4013, a stringprep profile of
 * RFC 3454) and falls back to the password's raw bytes when they are not
 * valid UTF-8 or contain a prohibited character. Covered exactly:
 *   - the ASCII fast path (pure-ASCII passwords are used as they are);
 *   - invalid UTF-8 -> raw bytes;
 *   - mapping: non-ASCII spaces (C.1.2) to U+0020, B.1 characters to nothing;
 *     an empty result -> raw bytes;
 *   - prohibited output C.2.1 to C.9 -> raw bytes (checked, as PostgreSQL
 *     does, on the mapped string before normalisation);
 *   - NFKC normalisation (String.prototype.normalize);
 *   - code points still unassigned today (a subset of RFC 3454 A.1).
 * Not carried: the full A.1 table (code points unassigned in Unicode 3.2
 * but assigned since, e.g. most emoji) and the bidirectional rule (D.1,
 * D.2). Those can only change the result when normalisation changes the
 * password; for exactly that case we refuse (SaslprepUnsupportedError)
 * unless every character lies in ranges known to be assigned in Unicode 3.2
 * and left-to-right-neutral (ASSIGNED_3_2 below), rather than risk storing
 * a secret the user cannot log in with.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { UsageError } from '../errors.js';

/** PostgreSQL's default before scram_iterations existed (16+), and that setting's default. */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
/** PostgreSQL's salt length (SCRAM_DEFAULT_SALT_LEN). */
export const SCRAM_SALT_BYTES = 16;

/** The parts of a stored secret. */
export interface ScramSecret {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** A password this tool will not hash, with the reason. */
export class PasswordRejectedError extends UsageError {
  override name = 'PasswordRejectedError';
}

/** A password whose SASLprep result depends on tables this module does not carry. */
export class SaslprepUnsupportedError extends PasswordRejectedError {
  override name = 'SaslprepUnsupportedError';
}

type Range = readonly [number, number];

function inRanges(cp: number, ranges: readonly Range[]): boolean {
  return ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** C.1.2 non-ASCII space characters: mapped to U+0020. */
const NON_ASCII_SPACE: readonly Range[] = [[0x00a0, 0x00a0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]];

/** B.1 commonly mapped to nothing. */
const MAPPED_TO_NOTHING: readonly Range[] = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200b, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];

/**
 * RFC 4013 2.3 prohibited output: C.1.2, C.2.1, C.2.2, C.3, C.5, C.6, C.7,
 * C.8, C.9 (C.4 non-characters are tested arithmetically in isProhibited).
 */
const PROHIBITED: readonly Range[] = [
  [0x0000, 0x001f], [0x007f, 0x00a0], [0x0340, 0x0341], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x1680, 0x1680], [0x180e, 0x180e],
  [0x2000, 0x200f], [0x2028, 0x202f], [0x205f, 0x2063], [0x206a, 0x206f], [0x2ff0, 0x2ffb], [0x3000, 0x3000], [0xd800, 0xf8ff],
  [0xfdd0, 0xfdef], [0xfeff, 0xfeff], [0xfff9, 0xfffd], [0x1d173, 0x1d17a], [0xe0001, 0xe0001], [0xe0020, 0xe007f], [0xf0000, 0x10ffff],
];

/**
 * Ranges in which every code point was assigned in Unicode 3.2 (none is in
 * RFC 3454 A.1) and none is right-to-left (D.1): Latin, Greek, Cyrillic,
 * punctuation, symbols, CJK, kana, Hangul, compatibility and fullwidth
 * forms. Within them our SASLprep is PostgreSQL's.
 */
const ASSIGNED_3_2: readonly Range[] = [
  [0x00a0, 0x0220], [0x0222, 0x0233], [0x0250, 0x02ad], [0x02b0, 0x02ee], [0x0300, 0x034f], [0x0384, 0x038a], [0x038c, 0x038c],
  [0x038e, 0x03a1], [0x03a3, 0x03ce], [0x03d0, 0x03f6], [0x0400, 0x0486], [0x0488, 0x04ce], [0x1e00, 0x1e9b], [0x1ea0, 0x1ef9],
  [0x2010, 0x2052], [0x2070, 0x2071], [0x2074, 0x208e], [0x20a0, 0x20b1], [0x2100, 0x213a], [0x213d, 0x214b], [0x2153, 0x2183],
  [0x2190, 0x23ce], [0x2460, 0x24fe], [0x2500, 0x2613], [0x3000, 0x303f], [0x3041, 0x3096], [0x3099, 0x30ff], [0x3105, 0x312c],
  [0x3131, 0x318e], [0x3190, 0x31b7], [0x3200, 0x321c], [0x3220, 0x3243], [0x3251, 0x327b], [0x327f, 0x32cb], [0x32d0, 0x32fe],
  [0x3300, 0x3376], [0x337b, 0x33dd], [0x33e0, 0x33fe], [0x3400, 0x4db5], [0x4e00, 0x9fa5], [0xa000, 0xa48c], [0xa490, 0xa4c6],
  [0xac00, 0xd7a3], [0xf900, 0xfa2d], [0xfa30, 0xfa6a], [0xfb00, 0xfb06], [0xfe30, 0xfe46], [0xfe49, 0xfe52], [0xfe54, 0xfe66],
  [0xfe68, 0xfe6b], [0xff01, 0xffbe], [0xffc2, 0xffc7], [0xffca, 0xffcf], [0xffd2, 0xffd7], [0xffda, 0xffdc], [0xffe0, 0xffe6],
  [0xffe8, 0xffee],
];

const UNASSIGNED_NOW = /^\p{Cn}$/u;

function isProhibited(cp: number): boolean {
  // C.4: U+FDD0..U+FDEF (above) and the last two code points of every plane.
  return inRanges(cp, PROHIBITED) || (cp & 0xfffe) === 0xfffe || UNASSIGNED_NOW.test(String.fromCodePoint(cp));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The bytes PostgreSQL hashes for this password (pg_saslprep, with the
 * fallback to the raw bytes). Throws SaslprepUnsupportedError in the one
 * case this module cannot decide; see the header.
 */
export function saslprep(password: string | Uint8Array): Buffer {
  if (typeof password === 'string' && LONE_SURROGATE.test(password)) throw new PasswordRejectedError('the password is not valid Unicode text (it holds a lone surrogate)');
  const raw = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
  if (raw.every((b) => b < 0x80)) return raw;
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return raw; // not UTF-8: PostgreSQL uses the bytes as they are
  }
  const mapped: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(cp, NON_ASCII_SPACE)) mapped.push(0x20);
    else if (!inRanges(cp, MAPPED_TO_NOTHING)) mapped.push(cp);
  }
  if (mapped.length === 0 || mapped.some(isProhibited)) return raw;
  const normalized = String.fromCodePoint(...mapped).normalize('NFKC');
  if (normalized === text) return raw;
  if (!mapped.every((cp) => cp < 0x80 || inRanges(cp, ASSIGNED_3_2))) {
    throw new SaslprepUnsupportedError(
      'SASLprep would change this password, and it holds characters whose treatment depends on Unicode 3.2 tables this tool does not carry ' +
        '(right-to-left scripts, or characters added after Unicode 3.2 such as most emoji). Set it with psql\'s \\password instead, ' +
        'which computes the secret with PostgreSQL\'s own code, or choose another password.',
    );
  }
  return Buffer.from(normalized, 'utf8');
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

/** StoredKey and ServerKey for a prepared password (RFC 5802 section 3). */
export function scramKeys(prepared: Uint8Array, salt: Uint8Array, iterations: number): { storedKey: Buffer; serverKey: Buffer; clientKey: Buffer } {
  const salted = pbkdf2Sync(prepared, salt, iterations, 32, 'sha256'); // Hi() is PBKDF2 with HMAC-SHA-256
  const clientKey = hmac(salted, 'Client Key');
  return { clientKey, storedKey: createHash('sha256').update(clientKey).digest(), serverKey: hmac(salted, 'Server Key') };
}

/** Options for scramSecret; both have safe defaults. */
export interface ScramOptions {
  /** The server's scram_iterations (16+), else 4096. */
  iterations?: number;
  /** Fixed salt for known-answer tests; default 16 random bytes. */
  salt?: Uint8Array;
}

/** The secret string to store for `password`. A fresh random salt on every call unless one is given. */
export function scramSecret(password: string | Uint8Array, opts: ScramOptions = {}): string {
  const iterations = opts.iterations ?? SCRAM_DEFAULT_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`scram iterations must be a positive integer, not ${iterations}`);
  const salt = Buffer.from(opts.salt ?? randomBytes(SCRAM_SALT_BYTES));
  const prepared = saslprep(password);
  if (prepared.length === 0) throw new PasswordRejectedError('the password is empty');
  if (prepared.includes(0)) throw new PasswordRejectedError('the password contains a NUL byte, which PostgreSQL clients cannot send');
  const { storedKey, serverKey } = scramKeys(prepared, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

const B64 = '[A-Za-z0-9+/]+={0,2}';
const SECRET_RE = new RegExp(`^SCRAM-SHA-256\\$(\\d+):(${B64})\\$(${B64}):(${B64})$`);

/** Read a stored secret back; undefined when the text is not one (e.g. an md5 hash). */
export function parseScramSecret(text: string): ScramSecret | undefined {
  const m = SECRET_RE.exec(text);
  if (!m) return undefined;
  const storedKey = Buffer.from(m[3]!, 'base64');
  const serverKey = Buffer.from(m[4]!, 'base64');
  if (storedKey.length !== 32 || serverKey.length !== 32) return undefined;
  return { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64'), storedKey, serverKey };
}

/** Does `password` produce this stored secret (same salt and iterations)? */
export function scramSecretMatches(secret: string, password: string | Uint8Array): boolean {
  const parsed = parseScramSecret(secret);
  if (!parsed) return false;
  const { storedKey, serverKey } = scramKeys(saslprep(password), parsed.salt, parsed.iterations);
  return timingSafeEqual(storedKey, parsed.storedKey) && timingSafeEqual(serverKey, parsed.serverKey);
}
