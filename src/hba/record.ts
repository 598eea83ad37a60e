/**
 * One tokenized pg_hba.conf line to a record, or the server's reason to
 * reject it: parse_hba_line and parse_hba_auth_opt of
 * src/backend/libpq/hba.c (Client Authentication, "The pg_hba.conf File"
 * and the sections on each method), minus what needs the running server
 * (@files, regular expressions, SSL state, name lookups). What differs by
 * major comes in as an HbaDialect. The messages are PostgreSQL 15's, as
 * pg_hba_file_rules.error shows them.
 */
import { cidrBitsAt, ipFamilyAt } from './address.js';
import { fieldSize, tokenAmong, tokenIs, tokenValue, type TokenTable } from './lex.js';
import type { HbaDialect } from './dialect.js';
import { ADDRESS_KEYWORDS, HBA_TYPES, type HbaRule, type HbaType } from './model.js';

/** What lint reports an invalid line as. */
export type HbaErrorCode = 'parse-error' | 'clientcert-legacy' | 'cert-verify-ca' | 'needs-newer-server';

/** Why the server rejects a line. */
export class LineError extends Error {
  constructor(
    message: string,
    readonly code: HbaErrorCode = 'parse-error',
  ) {
    super(message);
  }
}

// Methods parse_hba_line knows (some need build support, which Debian's packages have).
// A record's method is one of these shared strings, found without cutting the token out.
const METHODS: readonly string[] = ['trust', 'ident', 'peer', 'password', 'gss', 'sspi', 'reject', 'md5', 'scram-sha-256', 'pam', 'bsd', 'ldap', 'cert', 'radius'];

// Options and the methods that take them, with the server's wording.
const OPTION_METHODS: Readonly<Record<string, readonly [readonly string[], string]>> = (() => {
  const table: Record<string, readonly [readonly string[], string]> = {
    map: [['ident', 'peer', 'gss', 'sspi', 'cert'], 'ident, peer, gssapi, sspi, and cert'],
    pamservice: [['pam'], 'pam'],
    pam_use_hostname: [['pam'], 'pam'],
    krb_realm: [['gss', 'sspi'], 'gssapi and sspi'],
    include_realm: [['gss', 'sspi'], 'gssapi and sspi'],
    compat_realm: [['sspi'], 'sspi'],
    upn_username: [['sspi'], 'sspi'],
  };
  for (const name of ['ldapurl', 'ldaptls', 'ldapscheme', 'ldapserver', 'ldapport', 'ldapbinddn', 'ldapbindpasswd', 'ldapsearchattribute', 'ldapsearchfilter', 'ldapbasedn', 'ldapprefix', 'ldapsuffix']) {
    table[name] = [['ldap'], 'ldap'];
  }
  for (const name of ['radiusservers', 'radiusports', 'radiussecrets', 'radiusidentifiers']) {
    table[name] = [['radius'], 'radius'];
  }
  return table;
})();

function checkOption(name: string, value: string, type: HbaType, method: string, dialect: HbaDialect): void {
  if (name === 'clientname' && !dialect.clientname) throw new LineError(`unrecognized authentication option name: "${name}"`);
  if (name === 'clientcert' || name === 'clientname') {
    if (type !== 'hostssl') throw new LineError(`${name} can only be configured for "hostssl" rows`);
    if (name === 'clientname') {
      if (value !== 'CN' && value !== 'DN') throw new LineError(`invalid value for clientname: "${value}"`);
      return;
    }
    const legacy = value === '1' || value === '0' || value === 'no-verify';
    if (!dialect.clientcertValues.includes(value)) throw new LineError(`invalid value for clientcert: "${value}"`, legacy ? 'clientcert-legacy' : 'parse-error');
    if (method !== 'cert') return;
    // The cert method always checks the chain (and, from 14, the name): it cannot be relaxed.
    if (value === '0' || value === 'no-verify') throw new LineError('clientcert cannot be set to "no-verify" when using "cert" authentication');
    if ((value === 'verify-ca' || value === '1') && !dialect.certTakesVerifyCa) {
      throw new LineError('clientcert can only be set to "verify-full" when using "cert" authentication', 'cert-verify-ca');
    }
    return;
  }
  const entry = OPTION_METHODS[name];
  if (!entry) throw new LineError(`unrecognized authentication option name: "${name}"`);
  if (!entry[0].includes(method)) throw new LineError(`authentication option "${name}" is only valid for authentication methods ${entry[1]}`);
  if (name === 'ldapport' && !(parseInt(value, 10) !== 0 && /^\s*[+-]?\d/.test(value))) throw new LineError(`invalid LDAP port number: "${value}"`);
}

// The two LDAP modes (simple bind, search+bind) and what each needs; an ldapurl can carry
// the base DN, an attribute and a filter ("LDAP Authentication").
function checkLdap(opts: ReadonlyMap<string, string>): void {
  const url = /^[a-z]+:\/\/[^/]*\/([^?]*)(?:\?([^?]*)(?:\?[^?]*(?:\?(.*))?)?)?$/i.exec(opts.get('ldapurl') ?? '');
  const has = (name: string): boolean => opts.has(name) || (url !== null && ((name === 'ldapbasedn' && !!url[1]) || (name === 'ldapsearchattribute' && !!url[2]) || (name === 'ldapsearchfilter' && !!url[3])));
  if (has('ldapprefix') || has('ldapsuffix')) {
    // PostgreSQL 15's wording; later versions say "cannot mix options for simple bind and search+bind modes".
    if (['ldapbasedn', 'ldapbinddn', 'ldapbindpasswd', 'ldapsearchattribute', 'ldapsearchfilter', 'ldapurl'].some(has)) {
      throw new LineError('cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix');
    }
  } else if (!has('ldapbasedn')) {
    throw new LineError('authentication method "ldap" requires argument "ldapbasedn", "ldapprefix", or "ldapsuffix" to be set');
  }
  if (has('ldapsearchattribute') && has('ldapsearchfilter')) throw new LineError('cannot use ldapsearchattribute together with ldapsearchfilter');
}

// `all` fills most records: one shared string for it keeps documents small.
const entry = (t: TokenTable, i: number): string => (tokenIs(t, i, 'all') ? 'all' : tokenValue(t, i));

function fieldValues(t: TokenTable, f: number): string[] {
  const from = t.fieldStart[f]!;
  if (fieldSize(t, f) === 1) return [entry(t, from)];
  const out: string[] = [];
  for (let i = from; i < t.fieldStart[f + 1]!; i++) out.push(entry(t, i));
  return out;
}

function quotedFlags(t: TokenTable, f: number): boolean[] | undefined {
  for (let i = t.fieldStart[f]!; i < t.fieldStart[f + 1]!; i++) if (t.quoted[i]) return t.quoted.slice(t.fieldStart[f], t.fieldStart[f + 1]);
  return undefined;
}

// Option token `i` as [name, value], once the method allows it.
function readOption(t: TokenTable, i: number, type: HbaType, method: string, dialect: HbaDialect): [string, string] {
  const token = t.unquoted[i];
  let name: string;
  let value: string;
  if (token === undefined) {
    // Unquoted: cut the name and the value straight out of the line.
    const start = t.start[i]!;
    const end = t.end[i]!;
    const eq = t.text.indexOf('=', start);
    if (eq < 0 || eq >= end) throw new LineError(`authentication option not in name=value format: ${t.text.slice(start, end)}`);
    name = t.text.slice(start, eq);
    value = t.text.slice(eq + 1, end);
  } else {
    const eq = token.indexOf('=');
    if (eq < 0) throw new LineError(`authentication option not in name=value format: ${token}`);
    name = token.slice(0, eq);
    value = token.slice(eq + 1);
  }
  checkOption(name, value, type, method, dialect);
  return [name, value];
}

/** Where a record's method token is in the line's text, end exclusive. */
export interface MethodSpan {
  start: number;
  end: number;
}

/**
 * The record on a scanned line with at least one field, or a LineError.
 * The method token's offsets go to `methodAt`, which the caller may reuse.
 */
export function parseRecord(t: TokenTable, methodAt: MethodSpan, dialect: HbaDialect): HbaRule {
  if (fieldSize(t, 0) > 1) throw new LineError('multiple values specified for connection type');
  // Compared with strcmp: a quoted "local" is still local.
  const type = tokenAmong(t, 0, HBA_TYPES);
  if (!type) throw new LineError(`invalid connection type "${tokenValue(t, 0)}"`);
  let f = 1;
  const dbField = f++;
  if (dbField >= t.fields) throw new LineError('end-of-line before database specification');
  const userField = f++;
  if (userField >= t.fields) throw new LineError('end-of-line before role specification');

  let address: string | undefined;
  let addressQuoted = false;
  let mask: string | undefined;
  if (type !== 'local') {
    const addrField = f++;
    if (addrField >= t.fields) throw new LineError('end-of-line before IP address specification');
    if (fieldSize(t, addrField) > 1) throw new LineError('multiple values specified for host address');
    const tok = t.fieldStart[addrField]!;
    const value = entry(t, tok);
    address = value;
    addressQuoted = t.quoted[tok]!;
    if (addressQuoted || !ADDRESS_KEYWORDS.has(value)) {
      const slash = value.indexOf('/');
      const family = ipFamilyAt(value, 0, slash >= 0 ? slash : value.length);
      if (!family) {
        // Not numeric: a host name, or a .suffix, which cannot take a CIDR length.
        if (slash >= 0) throw new LineError(`specifying both host name and CIDR mask is invalid: "${value}"`);
      } else if (slash >= 0) {
        if (cidrBitsAt(value, slash + 1, family) === undefined) throw new LineError(`invalid CIDR mask in address "${value}"`);
      } else {
        // An IP address without a CIDR length takes its mask from the next field.
        const maskField = f++;
        if (maskField >= t.fields) throw new LineError('end-of-line before netmask specification');
        if (fieldSize(t, maskField) > 1) throw new LineError('multiple values specified for netmask');
        mask = tokenValue(t, t.fieldStart[maskField]!);
        const maskFamily = ipFamilyAt(mask, 0, mask.length);
        if (!maskFamily) throw new LineError(`invalid IP mask "${mask}"`);
        if (maskFamily !== family) throw new LineError('IP address and mask do not match');
      }
    }
  }

  const methodField = f++;
  if (methodField >= t.fields) throw new LineError('end-of-line before authentication method');
  if (fieldSize(t, methodField) > 1) throw new LineError('multiple values specified for authentication type');
  const methodTok = t.fieldStart[methodField]!;
  const methodName = tokenAmong(t, methodTok, METHODS);
  if (!methodName) throw new LineError(`invalid authentication method "${tokenValue(t, methodTok)}"`);
  // ident on a local socket means peer.
  const method = type === 'local' && methodName === 'ident' ? 'peer' : methodName;
  if (type === 'local' && method === 'gss') throw new LineError('gssapi authentication is not supported on local sockets');
  if (type !== 'local' && method === 'peer') throw new LineError('peer authentication is only supported on local sockets');
  if (type !== 'hostssl' && method === 'cert') throw new LineError('cert authentication is only supported on hostssl connections');

  // Every token after the method is one name=value option, commas or not.
  const firstOption = t.fieldStart[f]!;
  const endOptions = t.fieldStart[t.fields]!;
  // One option, the common case, in an array of exactly its size.
  const options: [string, string][] = endOptions - firstOption === 1 ? [readOption(t, firstOption, type, method, dialect)] : [];
  if (endOptions - firstOption > 1) for (let i = firstOption; i < endOptions; i++) options.push(readOption(t, i, type, method, dialect));
  if (method === 'ldap') checkLdap(new Map(options));
  if (method === 'radius') {
    for (const required of ['radiusservers', 'radiussecrets']) {
      if (!options.some(([k]) => k === required)) throw new LineError(`authentication method "radius" requires argument "${required}" to be set`);
    }
  }

  // One object literal per shape (local or not) keeps records compact.
  const databases = fieldValues(t, dbField);
  const users = fieldValues(t, userField);
  const rule: HbaRule = address === undefined ? { type, databases, users, method: methodName, options } : { type, databases, users, address, method: methodName, options };
  if (mask !== undefined) rule.mask = mask;
  const qd = quotedFlags(t, dbField);
  const qu = quotedFlags(t, userField);
  if (qd || qu || addressQuoted) {
    const quoted: NonNullable<HbaRule['quoted']> = {};
    if (qd) quoted.databases = qd;
    if (qu) quoted.users = qu;
    if (addressQuoted) quoted.address = true;
    rule.quoted = quoted;
  }
  methodAt.start = t.start[methodTok]!;
  methodAt.end = t.end[methodTok]!;
  return rule;
}
