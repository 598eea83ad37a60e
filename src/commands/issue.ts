/** `pg-secure-setup issue BUNDLE --client-user ROLE`: a new client certificate from the kept CA. */
import { parseCommandArgs } from '../args.js';
import { commitBundle, readBundle } from '../manage/bundle-io.js';
import { loadCa } from '../manage/ca.js';
import { planIssue } from '../manage/issue.js';
import { bundleArg, CA_HELP, daysArg, MANAGE_OPTIONS } from '../manage/options.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';

const OPTIONS = {
  ...MANAGE_OPTIONS,
  'client-user': { type: 'string' },
  days: { type: 'string' },
  force: { type: 'boolean' },
} as const;

/** `issue`: one more client certificate. */
export const issue: Command = {
  name: 'issue',
  summary: 'issue a client certificate for one more role from the bundle\'s CA',
  help: () => `Usage: pg-secure-setup issue BUNDLE --client-user ROLE [--days N] [--force]

Signs a new client certificate (CN = ROLE) with the bundle's issuing CA (the
intermediate when there is one) and writes clients/ROLE/ with the same four
files generate makes (postgresql.crt, postgresql.key, postgresql.pk8,
root.crt). The role is added to answers.json and to the README. The server
needs nothing new: it already trusts the CA.

Options:
  --client-user ROLE    the role the certificate is for (its CN)
  --days N              validity in days (default: the bundle's days)
  --force               replace the role's existing certificate
${CA_HELP}

Exit codes: 0 issued, 2 bad input (a self-signed bundle, no CA key, a role
that already has a certificate without --force: nothing written).`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      process.stdout.write(issue.help() + '\n');
      return 0;
    }
    const dir = bundleArg(positionals, 'issue');
    const role = values['client-user'];
    if (typeof role !== 'string') throw new UsageError('issue: --client-user ROLE is required');
    const days = values.days === undefined ? undefined : daysArg(values.days, '--days', 0);
    const bundle = await readBundle(dir);
    const ca = await loadCa(bundle, values.ca);
    const result = await planIssue(bundle, ca, { role, force: !!values.force, now: new Date(), ...(days ? { days } : {}) });
    const note = await commitBundle(bundle, result.files);
    if (note) process.stderr.write(note);
    process.stdout.write(
      `${result.reissued ? 'Re-issued' : 'Issued'} a client certificate for ${role} (serial ${result.cert.serialHex}, until ${result.cert.notAfter.toISOString().slice(0, 10)}), signed by the ${ca.issuingName} CA.\n` +
        `Give ${dir}/clients/${role}/ to its user; the README's "Connect" section says where the files go.\n` +
        (result.oldSerial ? `The old certificate stays valid until it expires; to end it now: pg-secure-setup revoke ${dir} --serial ${result.oldSerial}\n` : ''),
    );
    return 0;
  },
};
