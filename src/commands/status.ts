/** `pg-secure-setup status BUNDLE`: the certificate tree, the CRLs, and whether the server runs them. */
import { parseCommandArgs } from '../args.js';
import { readBundle } from '../manage/bundle-io.js';
import { bundleArg, CA_HELP, daysArg, MANAGE_OPTIONS } from '../manage/options.js';
import { rolloverPhase } from '../manage/ca.js';
import { judgeStatus, renderStatus } from '../manage/status.js';
import { crlsWithSigners, findCerts, serverFacts, serverFactsOverTls } from '../manage/status-gather.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';

const OPTIONS = {
  ...MANAGE_OPTIONS,
  pgdata: { type: 'string' },
  'config-dir': { type: 'string' },
  connect: { type: 'string', short: 'c' },
  'warn-days': { type: 'string' },
  server: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `status`: the bundle's certificates and CRLs, judged. */
export const status: Command = {
  name: 'status',
  summary: 'show a bundle\'s certificates, CRLs and what expires; compare with the installed server files',
  help: () => `Usage: pg-secure-setup status BUNDLE [--pgdata DIR | --config-dir DIR | --connect CONNINFO] [--server NAME] [--warn-days N] [--json]

Lists the root, intermediate, server and client certificates (serial, end
date, days left, revoked or not) and the CRLs (number, next update).

Options:
${CA_HELP}
  --pgdata DIR, --config-dir DIR
                        also check that the server's files (ssl_cert_file and
                        ssl_crl_file as its configuration names them) are this
                        bundle's
  -c, --connect CONNINFO  also check that the running server presents this
                        bundle's certificate (a TLS handshake, no login; e.g.
                        "host=db.example.com port=5432")
  --server NAME         in a bundle of several servers, the one this server is
                        (default: the one whose certificate it runs, named in
                        the report); on a standby (standby.signal), --pgdata
                        also compares the replication files its
                        primary_conninfo names with clients/ROLE/
  --warn-days N         warn about what ends within N days (default 30)
  --json                print the report as JSON

Exit codes: 0 all well, 1 something ends within --warn-days (a certificate,
or a CRL's next update: after it OpenSSL refuses every client certificate)
or the server runs other files, 2 bad input.`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      process.stdout.write(status.help() + '\n');
      return 0;
    }
    const dir = bundleArg(positionals, 'status');
    const warnDays = daysArg(values['warn-days'], '--warn-days', 30, 36500, 0);
    const bundle = await readBundle(dir);
    const certs = await findCerts(bundle, values.ca);
    if (values.connect !== undefined && (values.pgdata || values['config-dir'])) throw new UsageError('status: give --connect or --pgdata/--config-dir, not both');
    const serverNames = (bundle.answers.servers ?? []).map((s) => s.slice(0, s.indexOf('=')));
    const chosen = values.server;
    if (chosen !== undefined) {
      if (values.connect === undefined && !values.pgdata && !values['config-dir']) throw new UsageError('status: --server NAME goes with --pgdata, --config-dir or --connect (the server to compare)');
      if (!serverNames.includes(chosen)) throw new UsageError(`--server ${chosen}: ${serverNames.length ? `the bundle's servers are ${serverNames.join(', ')}` : 'the bundle describes one server; leave --server out'}`);
    }
    const server =
      values.connect !== undefined
        ? await serverFactsOverTls(values.connect)
        : values.pgdata || values['config-dir']
          ? await serverFacts({ pgdata: values.pgdata, configDir: values['config-dir'] }, bundle)
          : undefined;
    const report = judgeStatus({
      now: new Date(),
      warnDays,
      certs,
      crls: crlsWithSigners(bundle, certs),
      ...(rolloverPhase(bundle) ? { rollover: rolloverPhase(bundle) } : {}),
      ...(server ? { server } : {}),
      ...(serverNames.length > 0 ? { serverNames } : {}),
      ...(chosen !== undefined ? { chosenServer: chosen } : {}),
    });
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : renderStatus(report));
    return report.problems.length > 0 ? 1 : 0;
  },
};
