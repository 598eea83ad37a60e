/**
 * Client connection strings in the forms users paste: libpq conninfo and
 * URI (34.1.1 Connection Strings), JDBC, node-postgres.
 */

/** Where and as whom a client connects, and whether it has a certificate. */
export interface ClientTarget {
  host: string;
  role: string;
  database: string;
  port: number;
  /**
   * Directory holding root.crt, postgresql.crt, postgresql.key (and .pk8);
   * undefined for ~/.postgresql, where libpq and pgJDBC look by default (32.19).
   * libpq does not expand `~`, so that default is never written out.
   */
  dir?: string;
  /** Whether the role has a client certificate. */
  withCert: boolean;
}

function conninfoValue(v: string): string {
  return /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An address as it goes in a URI or JDBC URL host part. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** libpq keyword/value form (32.1.1.1). */
export function conninfo(t: ClientTarget): string {
  const parts: [string, string][] = [
    ['host', t.host],
    ['port', String(t.port)],
    ['dbname', t.database],
    ['user', t.role],
    ['sslmode', 'verify-full'],
    ...fileParams(t, 'postgresql.key'),
  ];
  return parts.map(([k, v]) => `${k}=${conninfoValue(v)}`).join(' ');
}

/** sslrootcert, sslcert, sslkey for a directory other than the default one. */
function fileParams(t: ClientTarget, keyFile: string): [string, string][] {
  if (t.dir === undefined) return [];
  const params: [string, string][] = [['sslrootcert', `${t.dir}/root.crt`]];
  if (t.withCert) params.push(['sslcert', `${t.dir}/postgresql.crt`], ['sslkey', `${t.dir}/${keyFile}`]);
  return params;
}

/** libpq URI form (32.1.1.2). */
export function uri(t: ClientTarget): string {
  const params = new URLSearchParams([['sslmode', 'verify-full'], ...fileParams(t, 'postgresql.key')]);
  return `postgresql://${encodeURIComponent(t.role)}@${urlHost(t.host)}:${t.port}/${encodeURIComponent(t.database)}?${params.toString().replace(/%2F/g, '/').replace(/%7E/g, '~')}`;
}

/** pgJDBC URL; the password goes in the connection properties, not here. */
export function jdbc(t: ClientTarget): string {
  // pgJDBC reads the key as PKCS#8 DER (postgresql.pk8), by default from ~/.postgresql too.
  const params = ['sslmode=verify-full', ...fileParams(t, 'postgresql.pk8').map(([k, v]) => `${k}=${v}`)];
  return `jdbc:postgresql://${urlHost(t.host)}:${t.port}/${t.database}?user=${encodeURIComponent(t.role)}&${params.join('&')}`;
}
