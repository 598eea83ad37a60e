/**
 * The README's "Standby" section, when the bundle has a replication role:
 * the role on the primary, the replication client's files on the standby
 * (owned by the server's user, key 0600: libpq refuses a key others can
 * read, 32.19.2), and the pg_basebackup -R command whose connection string
 * becomes the standby's primary_conninfo (27.2.5, pg_basebackup -R).
 */
import type { Answers } from '../answers/answers.js';
import { parseServer } from '../answers/servers.js';
import { clientHost } from './readme-clients.js';
import { replicationAddressesText } from './replication-rules.js';
import { commandLine, shellQuote } from './shell.js';

/** Where the standby keeps the replication role's files: outside the data directory, so a new base backup leaves them alone. */
export const STANDBY_CERT_DIR = '/var/lib/postgresql/replication';

/**
 * The conninfo a standby dials the primary with: verified TLS and the
 * role's certificate. Under transport both, gssencmode=disable: libpq's
 * default prefer tries GSSAPI first when the postgres user holds a ticket
 * (32.1.2), which the primary refuses for the role.
 */
export function standbyConninfo(a: Pick<Answers, 'hosts' | 'port' | 'replicationUser' | 'transport'>, host: string, certDir = STANDBY_CERT_DIR): string {
  return [
    `host=${host}`,
    `port=${a.port}`,
    `user=${a.replicationUser}`,
    'sslmode=verify-full',
    `sslrootcert=${certDir}/root.crt`,
    `sslcert=${certDir}/postgresql.crt`,
    `sslkey=${certDir}/postgresql.key`,
    ...(a.transport === 'both' ? ['gssencmode=disable'] : []),
  ].join(' ');
}

/** The "Servers" section of a bundle of several: which files each one gets, and its apply command. */
function serversSection(a: Answers, dataDir: string): string {
  const servers = (a.servers ?? []).map(parseServer);
  if (servers.length === 0) return '';
  return [
    '',
    '## Servers',
    '',
    'Each server has its own certificate and key in `servers/NAME/`, from the one CA',
    '(the primary\'s is also `server/`). On each, install the bundle as that server:',
    '',
    '```sh',
    ...servers.map((s) => `sudo npx pg-secure-setup apply . --server ${s.name} --pgdata ${dataDir}   # ${s.hosts.join(', ')}${s === servers[0] ? ' (primary)' : ''}`),
    '```',
    '',
  ].join('\n');
}

/** The sections on several servers and standbys, or '' for one server without a replication role. */
export function standbySection(a: Answers, dataDir: string): string {
  return serversSection(a, dataDir) + replicationSection(a, dataDir);
}

// The standby's --server NAME in a bundle of several (the first one after the primary), else none.
function standbyName(a: Answers): string[] {
  const standby = (a.servers ?? []).map(parseServer)[1];
  return standby ? ['--server', standby.name] : [];
}

function replicationSection(a: Answers, dataDir: string): string {
  const role = a.replicationUser;
  if (!role) return '';
  const dir = STANDBY_CERT_DIR;
  return [
    '',
    '## Standby',
    '',
    `Standbys replicate as \`${role}\` over TLS, proving themselves with`,
    `\`clients/${role}/\` (the first rules above). ${replicationAddressesText(a)}`,
    ...(a.transport === 'both'
      ? [`Never over GSSAPI: \`${role}\` is refused on the hostgssenc lines, and the connection string below sets \`gssencmode=disable\`, so a standby whose postgres user holds a Kerberos ticket goes straight to TLS.`]
      : []),
    '',
    'On the primary, once:',
    '',
    '```sql',
    `CREATE ROLE ${role} WITH REPLICATION LOGIN;`,
    ...(a.clientCerts === 'cert' ? [] : [`\\password ${role}`]),
    '```',
    '',
    a.clientCerts === 'cert'
      ? 'The `cert` rule asks no password: the key is the login.'
      : `The rule also asks for ${role}'s SCRAM password: put it in the postgres user's \`~/.pgpass\` on the standby (mode 0600), never in the connection string.`,
    '',
    'On the standby, as root, with its server stopped and its data directory',
    'empty: the replication files for the postgres user (key 0600, in a',
    'directory of its own made 0700 if missing), then the base backup, whose',
    '`-R` writes this connection string as `primary_conninfo`:',
    '',
    '```sh',
    commandLine(['sudo', 'npx', 'pg-secure-setup', 'apply', '.', ...standbyName(a), '--replication-files', dir]),
    `sudo -u postgres pg_basebackup -D ${dataDir} -R -X stream -d ${shellQuote(standbyConninfo(a, clientHost(a)))}`,
    '```',
    '',
    a.servers?.length
      ? 'Then install this bundle on the standby with its own line of "Servers" above (`--server NAME`) and start it.'
      : 'Then install this bundle on the standby as on the primary and start it.',
    'On a standby, `apply` also installs the replication files where its',
    '`primary_conninfo` names them, so a re-issued certificate reaches them too',
    '(`issue . --client-user ' + role + ' --force`, then `apply` on the standby).',
    'On the primary, `SELECT s.ssl, s.client_dn FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)`',
    `shows the standby with \`ssl\` true and \`client_dn\` \`/CN=${role}\`.`,
    ...switchover(a),
    '',
  ].join('\n');
}

// A switchover in a bundle of several (27.3; 19.6.3 for primary_conninfo; pg_rewind's own page): every server's rules admit every server, so only primary_conninfo changes.
function switchover(a: Answers): string[] {
  const [primary, next] = (a.servers ?? []).map(parseServer);
  if (!primary || !next) return [];
  return [
    '',
    `To switch over, stop the primary cleanly (fast shutdown, 18.5), promote a standby (\`SELECT pg_promote()\`) and point`,
    `the others at it by a name in its certificate (\`host=${next.hosts[0]}\` for ${next.name}), keeping \`sslmode=verify-full\`${a.transport === 'both' ? ', `gssencmode=disable`' : ''} and the same files:`,
    "`ALTER SYSTEM SET primary_conninfo = '...'`, then `SELECT pg_reload_conf()` (a restart where the server reads it only at start).",
    `The old primary, stopped cleanly, follows the new one once it has the replication files`,
    `(\`apply . --server ${primary.name} --replication-files ${STANDBY_CERT_DIR}\`), an empty \`standby.signal\` in its data directory and that \`primary_conninfo\`.`,
    'One not stopped cleanly needs a new base backup or `pg_rewind`, which needs data checksums or `wal_log_hints = on` (this bundle sets neither)',
    `and connects to the new primary as a role allowed to read its files, not as ${a.replicationUser}.`,
  ];
}
