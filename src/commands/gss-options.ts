/**
 * generate's GSSAPI flags (18.10): --transport, --krb-realm, --krb-keytab,
 * --krb-srvname, --gss-map. Checked before anything is written: a bad value
 * or an unreadable keytab is exit 2 with nothing written.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Answers } from '../answers/answers.js';
import { parseGssMap, type GssOptions } from '../plan/gss.js';

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
export function checkKeytab(path: string): void {
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

/** Why the keytab at `path` cannot be used (its first byte read), or undefined: the wizard's inline check. */
export function keytabProblem(path: string): string | undefined {
  try {
    checkKeytab(path);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^--krb-keytab /, '').replace(/; nothing was written$/, '');
  }
}

/**
 * The GSSAPI options the completed answers give (flags, answers file or the
 * wizard), the keytab read; undefined for transport tls. The answers'
 * own checks (realm, service name, maps) have run already.
 */
export function gssFromAnswers(a: Answers): GssOptions | undefined {
  const transport = a.transport ?? 'tls';
  if (transport === 'tls') return undefined;
  const realm = a.krbRealm ?? '';
  const keytab = a.krbKeytab ?? '';
  if (!realm || !keytab) throw new UsageError(`transport ${transport} needs the Kerberos realm (--krb-realm) and the server's keytab (--krb-keytab)`);
  checkKeytab(keytab);
  const maps = (a.gssMaps ?? []).map((m) => {
    try {
      return parseGssMap(m, realm);
    } catch (err) {
      throw new UsageError(`--gss-map: ${(err as Error).message}`);
    }
  });
  return { transport, realm, keytab, srvname: a.krbSrvname || 'postgres', maps };
}
