/**
 * generate's GSSAPI flags (18.10): --transport, --krb-realm, --krb-keytab,
 * --krb-srvname, --gss-map. Checked before anything is written: a bad value
 * or an unreadable keytab is exit 2 with nothing written.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { checkRealm, checkSrvname, parseGssMap, TRANSPORTS, type GssOptions, type Transport } from '../plan/gss.js';

/** parseArgs options for the GSSAPI flags. */
export const GSS_OPTIONS = {
  transport: { type: 'string' },
  'krb-realm': { type: 'string' },
  'krb-keytab': { type: 'string' },
  'krb-srvname': { type: 'string' },
  'gss-map': { type: 'string', multiple: true },
} as const;

/** Help lines for those flags. */
export const GSS_HELP = `  --transport tls|gssapi|both
                        how connections are encrypted (18.9, 18.10): TLS (default), GSSAPI
                        encryption with Kerberos, or GSSAPI for clients with a ticket and TLS
                        for the rest
  --krb-realm REALM     the site's Kerberos realm (needed for gssapi and both)
  --krb-keytab FILE     the server's keytab for postgres/HOST@REALM, made by the KDC's
                        administrator; copied into the bundle (0600) as krb_server_keyfile
  --krb-srvname NAME    the service name of that principal when it is not postgres
  --gss-map PRINCIPAL=ROLE
                        (repeatable) who may log in as which role, through pg_ident.conf;
                        without it a principal of REALM logs in as the role of its name`;

/** Read the first byte: the keytab must be a readable regular file, not empty (an MIT keytab starts 0x05). */
function checkKeytab(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UsageError(`--krb-keytab ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was written`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`--krb-keytab ${path}: not a regular file; nothing was written`);
    const first = Buffer.alloc(1);
    if (readSync(fd, first, 0, 1, 0) !== 1 || first[0] !== 0x05) throw new UsageError(`--krb-keytab ${path}: not a Kerberos keytab (make one with kadmin: ktadd -k FILE postgres/HOST); nothing was written`);
  } finally {
    closeSync(fd);
  }
}

/** The GSSAPI options the flags give, checked; undefined for --transport tls. */
export function gssFromFlags(values: Record<string, unknown>): GssOptions | undefined {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const transport = (str('transport') ?? 'tls') as Transport;
  if (!(TRANSPORTS as readonly string[]).includes(transport)) throw new UsageError(`--transport must be tls, gssapi or both, not "${transport}"`);
  const maps = Array.isArray(values['gss-map']) ? (values['gss-map'] as string[]) : [];
  if (transport === 'tls') {
    const stray = ['krb-realm', 'krb-keytab', 'krb-srvname'].filter((k) => str(k) !== undefined).concat(maps.length ? ['gss-map'] : []);
    if (stray.length > 0) throw new UsageError(`--${stray[0]} is for GSSAPI: add --transport gssapi or --transport both`);
    return undefined;
  }
  const realm = str('krb-realm');
  if (realm === undefined) throw new UsageError(`--transport ${transport} needs --krb-realm REALM (the site's Kerberos realm)`);
  const badRealm = checkRealm(realm);
  if (badRealm) throw new UsageError(`--krb-realm: ${badRealm}`);
  const keytab = str('krb-keytab');
  if (keytab === undefined) throw new UsageError(`--transport ${transport} needs --krb-keytab FILE: the server's keytab for postgres/HOST@${realm}, made by the KDC's administrator`);
  checkKeytab(keytab);
  const srvname = str('krb-srvname') ?? 'postgres';
  const badSrv = checkSrvname(srvname);
  if (badSrv) throw new UsageError(`--krb-srvname: ${badSrv}`);
  const parsed = maps.map((m) => {
    try {
      return parseGssMap(m, realm);
    } catch (err) {
      throw new UsageError(`--gss-map: ${(err as Error).message}`);
    }
  });
  return { transport, realm, keytab, srvname, maps: parsed };
}
