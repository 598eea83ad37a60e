/** The bundle README's section on GSSAPI-encrypted connections (18.10; libpq 34.1.2 gssencmode). */
import type { Answers } from '../answers/answers.js';
import type { GssOptions } from './gss.js';

/** The README's GSSAPI section ('' without GSSAPI). */
export function gssReadme(a: Pick<Answers, 'hosts' | 'port'>, g: GssOptions | undefined): string {
  if (!g) return '';
  const host = a.hosts.find((h) => /[a-z]/i.test(h) && !h.includes(':')) ?? a.hosts[0]!;
  const srv = g.srvname === 'postgres' ? '' : ` krbsrvname=${g.srvname}`;
  const jdbcSrv = g.srvname === 'postgres' ? '' : `&kerberosServerName=${g.srvname}`;
  return [
    '## Connect with Kerberos (GSSAPI encryption)',
    '',
    `The server accepts GSSAPI-encrypted connections (18.10) from principals of ${g.realm}${g.maps.length > 0 ? ' listed in `conf/pg_ident.conf`' : ' whose name (without the realm) is the role'}.`,
    `Its keytab \`server/krb5.keytab\` (0600, for \`${g.srvname}/${host}@${g.realm}\`) goes into the data directory as \`krb_server_keyfile\`.`,
    `By hand: \`install -m 0600 -o postgres -g postgres server/krb5.keytab DATA_DIR/krb5.keytab\`${g.maps.length > 0 ? ', and append the lines of `conf/pg_ident.conf` to the server\'s pg_ident.conf (`SHOW ident_file`); `pg-secure-setup apply` and apply.sh do both, keeping the lines in one marked block' : ''}.`,
    '',
    g.transport === 'both'
      ? 'Clients with a ticket get GSSAPI encryption (libpq tries it first); clients without one use TLS as the next section says.'
      : 'Connections that are not GSSAPI-encrypted are refused.',
    '',
    '```sh',
    `kinit alice@${g.realm}`,
    `psql "host=${host} port=${a.port} dbname=postgres user=alice gssencmode=require${srv}" \\`,
    `  -c "SELECT encrypted, principal FROM pg_stat_gssapi WHERE pid = pg_backend_pid()"`,
    '```',
    '',
    `JDBC (pgjdbc): \`jdbc:postgresql://${host}:${a.port}/postgres?user=alice&gssEncMode=require${jdbcSrv}\`.`,
    '',
    `The client asks the KDC for a ticket to \`${g.srvname}/HOST@${g.realm}\`, where HOST is the name it`,
    `connects to: use \`host=${host}\`, not the server's address (an address asks for`,
    `\`${g.srvname}/10.0.0.5@${g.realm}\`, which has no key in the keytab). When the client's Kerberos`,
    'library canonicalizes host names (reverse DNS, `rdns`, `dns_canonicalize_hostname` in',
    'krb5.conf), the name it ends up with must still be the one in the keytab.',
    '',
    '',
  ].join('\n');
}
