/** `pg-secure-setup revoke BUNDLE --client-user ROLE | --serial HEX`: a client certificate onto its CA's CRL. */
import { parseCommandArgs } from '../args.js';
import { commitBundle, readBundle } from '../manage/bundle-io.js';
import { loadCa } from '../manage/ca.js';
import { bundleArg, CA_HELP, MANAGE_OPTIONS } from '../manage/options.js';
import { planRevoke } from '../manage/revoke.js';
import type { Command } from './command.js';

const OPTIONS = {
  ...MANAGE_OPTIONS,
  'client-user': { type: 'string' },
  serial: { type: 'string' },
} as const;

/** `revoke`: a certificate onto its CA's CRL. */
export const revoke: Command = {
  name: 'revoke',
  summary: 'revoke a client certificate: onto its CA\'s CRL, its files moved aside',
  help: () => `Usage: pg-secure-setup revoke BUNDLE (--client-user ROLE | --serial HEX)

Lists the certificate on the CRL of the CA that signed it (a new CRL
number, signed, next update at the CA's end), rewrites server/root.crl and
moves clients/ROLE/ to revoked/ROLE-SERIAL/. Then install the new CRL:
pg-secure-setup apply BUNDLE (a reload; the server refuses the certificate
from then on).

Options:
  --client-user ROLE    the role whose certificate (clients/ROLE/) to revoke
  --serial HEX          a certificate by serial (as status prints it), e.g. one
                        replaced by issue --force
${CA_HELP}

Exit codes: 0 revoked, 2 bad input (nothing written).`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      process.stdout.write(revoke.help() + '\n');
      return 0;
    }
    const dir = bundleArg(positionals, 'revoke');
    const bundle = await readBundle(dir);
    const ca = await loadCa(bundle, values.ca);
    const result = planRevoke(bundle, ca, { now: new Date(), ...(values['client-user'] !== undefined ? { role: values['client-user'] } : {}), ...(values.serial !== undefined ? { serial: values.serial } : {}) });
    const note = await commitBundle(bundle, result.files);
    if (note) process.stderr.write(note);
    process.stdout.write(
      `Revoked serial ${result.serialHex}${result.role ? ` (${result.role}; files moved to ${result.movedTo})` : ''}: server/root.crl rewritten.\n` +
        `Install it on the server: pg-secure-setup apply ${dir} --pgdata DATADIR (a reload, no restart).\n`,
    );
    return 0;
  },
};
