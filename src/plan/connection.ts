/**
 * Client connection strings in the forms users paste: libpq conninfo and
 * URI (34.1.1 Connection Strings), JDBC, node-postgres.
 */

export interface ClientTarget {
  host: string;
  role: string;
  database: string;
  port: number;
  /** Directory holding root.crt, postgresql.crt, postgresql.key (and .pk8); '~/.postgresql' by default. */
  dir: string;
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

export function conninfo(t: ClientTarget): string {
  const parts: [string, string][] = [
    ['host', t.host],
    ['port', String(t.port)],
    ['dbname', t.database],
    ['user', t.role],
    ['sslmode', 'verify-full'],
    ['sslrootcert', `${t.dir}/root.crt`],
  ];
  if (t.withCert) parts.push(['sslcert', `${t.dir}/postgresql.crt`], ['sslkey', `${t.dir}/postgresql.key`]);
  return parts.map(([k, v]) => `${k}=${conninfoValue(v)}`).join(' ');
}

export function uri(t: ClientTarget): string {
  const params = new URLSearchParams({ sslmode: 'verify-full', sslrootcert: `${t.dir}/root.crt` });
  if (t.withCert) {
    params.set('sslcert', `${t.dir}/postgresql.crt`);
    params.set('sslkey', `${t.dir}/postgresql.key`);
  }
  return `postgresql://${encodeURIComponent(t.role)}@${urlHost(t.host)}:${t.port}/${encodeURIComponent(t.database)}?${params.toString().replace(/%2F/g, '/').replace(/%7E/g, '~')}`;
}

export function jdbc(t: ClientTarget): string {
  // pgJDBC wants the key as PKCS#8 DER (postgresql.pk8) and absolute paths.
  const dir = t.dir.replace(/^~/, '/home/USER');
  const params = [`sslmode=verify-full`, `sslrootcert=${dir}/root.crt`];
  if (t.withCert) params.push(`sslcert=${dir}/postgresql.crt`, `sslkey=${dir}/postgresql.pk8`);
  return `jdbc:postgresql://${urlHost(t.host)}:${t.port}/${t.database}?user=${encodeURIComponent(t.role)}&${params.join('&')}`;
}

export function nodePg(t: ClientTarget): string {
  const dir = t.dir.replace(/^~/, "${os.homedir()}");
  const read = (f: string) => `fs.readFileSync(\`${dir}/${f}\`)`;
  const ssl = [`ca: ${read('root.crt')}`, ...(t.withCert ? [`cert: ${read('postgresql.crt')}`, `key: ${read('postgresql.key')}`] : [])];
  return `new pg.Client({ host: '${t.host}', port: ${t.port}, database: '${t.database}', user: '${t.role}', ssl: { ${ssl.join(', ')} } })`;
}
