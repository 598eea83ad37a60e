/**
 * `pg-secure-setup verify`: prove the set-up with real connections. A
 * verify-full handshake (TLS version, cipher, the certificate chain with
 * names and expiry), a login, then the refusals a locked-down server owes:
 * plaintext, a wrong host name, a missing client certificate.
 */
import { UsageError } from '../errors.js';
import { loadClientTls, resolveConnection } from '../pg/server.js';
import type { Command } from './command.js';
import { CONNECT_HELP, CONNECT_OPTION, parseCommandArgs } from '../args.js';
import { reportingConnectionErrors } from './conn-options.js';
import { findPsql, formatGssReport, runGssVerify } from '../verify/gss.js';
import { DEFAULT_WRONG_HOST, runVerify, type Check, type ChainEntry, type VerifyReport } from '../verify/checks.js';

const OPTIONS = {
  ...CONNECT_OPTION,
  'root-cert': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'wrong-host': { type: 'string' },
  json: { type: 'boolean' },
  gss: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const TITLES: Record<Check['id'], string> = {
  tls: 'TLS with verify-full',
  login: 'login over that connection',
  'plaintext-refused': 'plaintext refused',
  'wrong-host-refused': 'wrong host name refused',
  'client-cert-required': 'missing client certificate refused',
};

function day(iso: string): string {
  return iso.slice(0, 10);
}

function formatChain(chain: ChainEntry[]): string[] {
  if (chain.length === 0) return ['  (the server presented no certificate)'];
  return chain.flatMap((c, i) => {
    const sans = [...c.dnsNames.map((d) => `DNS:${d}`), ...c.ipAddresses.map((ip) => `IP:${ip}`)];
    const when = c.daysLeft < 0 ? `EXPIRED ${-c.daysLeft} days ago` : `${c.daysLeft} days left${c.daysLeft < 30 ? ' (renew soon)' : ''}`;
    return [
      `  ${i}  ${c.subject}${c.selfSigned ? '  (self-signed)' : ''}${c.isCA ? '  [CA]' : ''}`,
      `       issuer   ${c.issuer}`,
      ...(sans.length ? [`       SAN      ${sans.join(', ')}`] : []),
      `       valid    ${day(c.notBefore)} to ${day(c.notAfter)}, ${when}`,
      `       SHA-256  ${c.fingerprint256}`,
    ];
  });
}

/** The report as people read it. */
export function formatReport(r: VerifyReport): string {
  const t = r.target;
  const lines = [
    `Server    ${t.host}:${t.port}${t.address !== t.host ? ` (address ${t.address})` : ''}, user ${t.user}, database ${t.dbname}`,
    `Trusting  ${t.rootCert}${t.clientCert ? `; client certificate ${t.clientCert}` : ''}`,
    `TLS       ${r.tls ? `${r.tls.protocol}, ${r.tls.cipher}` : 'none'}`,
    'Certificate chain (leaf first):',
    ...formatChain(r.chain),
    '',
    'Checks:',
  ];
  const width = Math.max(...Object.values(TITLES).map((s) => s.length));
  for (const c of r.checks) {
    const mark = c.status === 'pass' ? 'ok  ' : c.status === 'fail' ? 'FAIL' : 'skip';
    lines.push(`  ${mark}  ${TITLES[c.id].padEnd(width)}  ${c.reason ? `[${c.reason}] ` : ''}${c.detail}`);
    if (c.fix) lines.push(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const failed = r.checks.filter((c) => c.status === 'fail');
  const skipped = r.checks.filter((c) => c.status === 'skip').length;
  lines.push('');
  lines.push(
    failed.length === 0
      ? `All checks hold${skipped ? ` (${skipped} skipped)` : ''}.`
      : `${failed.length} check${failed.length > 1 ? 's' : ''} failed: ${failed.map((c) => c.reason).join(', ')}.`,
  );
  return lines.join('\n');
}

export const verify: Command = {
  name: 'verify',
  summary: 'prove TLS works: verify-full connection, certificate chain, and the refusal matrix',
  help: () => `Usage: pg-secure-setup verify --connect CONNINFO [--root-cert FILE] [--cert FILE --key FILE] [--json]

Connects to the server with sslmode=verify-full and prints the TLS version,
the cipher and the server's certificate chain (subjects, issuers, SANs,
expiry), then checks, each with a real connection:
  TLS with verify-full   the certificate chains to the root you trust and names the host
  login                  the role logs in over it (needs PGPASSWORD or ~/.pgpass when
                         the server asks for a password; skipped otherwise)
  plaintext refused      an unencrypted connection is turned away by pg_hba.conf
  wrong host name        a client asking for another name (${DEFAULT_WRONG_HOST}) is refused
  missing client cert    with --cert given: the same connection without it is refused.
                         When you give a client certificate, a server that lets the role
                         in without one fails this check; leave --cert out to verify a
                         password-only set-up (the check is then skipped).
No password is sent by the refusal checks: they stop at the server's first answer.
sslmode in --connect is ignored: verify always uses verify-full.

Options:
${CONNECT_HELP}
      --root-cert FILE    CA certificate to trust (default: sslrootcert, PGSSLROOTCERT,
                          ~/.postgresql/root.crt; "system" for the platform's roots)
      --cert FILE         client certificate (default: sslcert, PGSSLCERT, ~/.postgresql/postgresql.crt)
      --key FILE          its private key, mode 0600 (default: sslkey, PGSSLKEY, ~/.postgresql/postgresql.key)
      --wrong-host NAME   the name the wrong-host check asks for (default ${DEFAULT_WRONG_HOST})
      --gss               prove GSSAPI encryption instead (18.10), with psql (libpq: node-postgres
                          has no GSSAPI): a gssencmode=require session reports
                          pg_stat_gssapi.encrypted, and plaintext is refused. Needs a ticket
                          (kinit) and the host name of the service principal in --connect
      --json              the report as JSON on standard output
  -h, --help              this text

Failure reasons: ssl-off, wrong-root-cert, host-not-in-san, cert-expired, tls-failed,
auth-failed, client-cert-missing, client-cert-rejected, login-refused, plaintext-allowed,
wrong-host-accepted, client-cert-not-required, unreachable, inconclusive.
Exit codes: 0 every check holds (skips allowed); 1 a check failed; 2 bad input.`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (values.help) {
      process.stdout.write(verify.help() + '\n');
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.key !== undefined && values.cert === undefined) throw new UsageError('--key needs --cert');
    if (values.gss) {
      if (typeof values.connect !== 'string') throw new UsageError('verify --gss needs --connect "host=db.example.com user=ROLE dbname=..." (the host name of the service principal)');
      const bin = findPsql();
      if (!bin) throw new UsageError('verify --gss needs psql (libpq speaks GSSAPI; node-postgres does not): install the PostgreSQL client or put psql on PATH');
      const report = await runGssVerify(values.connect, bin);
      process.stdout.write((values.json ? JSON.stringify(report, null, 2) : formatGssReport(report)) + '\n');
      return report.ok ? 0 : 1;
    }
    return reportingConnectionErrors(async () => {
      const target = resolveConnection({
        connect: values.connect,
        overrides: {
          sslmode: 'verify-full',
          ...(values['root-cert'] !== undefined ? { sslrootcert: values['root-cert'] } : {}),
          ...(values.cert !== undefined ? { sslcert: values.cert } : {}),
          ...(values.key !== undefined ? { sslkey: values.key } : {}),
        },
      });
      if (target.kind === 'socket') {
        throw new UsageError('verify needs a TCP host (a Unix socket has no TLS): --connect "host=db.example.com port=5432 user=..."');
      }
      const files = loadClientTls(target, { needRoot: true });
      const report = await runVerify(target, files, { wrongHost: values['wrong-host'] });
      process.stdout.write((values.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
      return report.ok ? 0 : 1;
    });
  },
};
