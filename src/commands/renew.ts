/** `pg-secure-setup renew BUNDLE`: a new server certificate from the same CA, or (--crl) fresh CRLs. */
import { parseCommandArgs } from '../args.js';
import { commitBundle, readBundle } from '../manage/bundle-io.js';
import { loadCa } from '../manage/ca.js';
import { bundleArg, CA_HELP, daysArg, MANAGE_OPTIONS } from '../manage/options.js';
import { planRenew, planRenewCrl } from '../manage/renew.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';

const OPTIONS = {
  ...MANAGE_OPTIONS,
  days: { type: 'string' },
  host: { type: 'string', multiple: true },
  server: { type: 'string' },
  'new-key': { type: 'boolean' },
  crl: { type: 'boolean' },
} as const;

/** `renew`: a new server certificate, or fresh CRLs. */
export const renew: Command = {
  name: 'renew',
  summary: 'renew the server certificate (same CA, same names unless changed) or re-sign the CRLs (--crl)',
  help: () => `Usage: pg-secure-setup renew BUNDLE [--days N] [--host NAME ...] [--new-key] [--server NAME]
       pg-secure-setup renew BUNDLE --crl

Signs a new server certificate with the bundle's CA and writes
server/server.crt. Clients keep their files: they trust the CA, not the
certificate. The names are the bundle's hosts unless --host is given (the
whole new list: adding or dropping a name is how a host is renamed). Then
pg-secure-setup apply BUNDLE installs it with a reload: open sessions go on.

With --crl, re-signs every CRL (same revocations, a new number, next update
at its CA's end): a CRL past its next update makes the server refuse every
client certificate.

Options:
  --days N              validity in days (default: the bundle's days)
  --host NAME           a name or address for the certificate (repeatable)
  --new-key             make a new server key too (default: keep the key)
  --server NAME         in a bundle of several servers, the one to renew (servers/NAME/;
                        the primary's is also server/); required there
  --crl                 re-sign the CRLs instead
${CA_HELP}

Exit codes: 0 renewed, 2 bad input (nothing written).`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      process.stdout.write(renew.help() + '\n');
      return 0;
    }
    const dir = bundleArg(positionals, 'renew');
    if (values.crl && (values.days !== undefined || values.host !== undefined || values['new-key'])) {
      throw new UsageError('renew --crl re-signs the CRLs only; --days, --host and --new-key are for the server certificate (run them apart)');
    }
    const days = values.days === undefined ? undefined : daysArg(values.days, '--days', 0);
    const bundle = await readBundle(dir);
    const ca = await loadCa(bundle, values.ca);
    const now = new Date();
    if (values.crl) {
      const note = await commitBundle(bundle, planRenewCrl(bundle, ca, now));
      if (note) process.stderr.write(note);
      process.stdout.write(`Re-signed server/root.crl. Install it: pg-secure-setup apply ${dir} --pgdata DATADIR (a reload).\n`);
      return 0;
    }
    const result = await planRenew(bundle, ca, { now, newKey: !!values['new-key'], ...(days ? { days } : {}), ...(values.host ? { hosts: values.host } : {}), ...(values.server !== undefined ? { server: values.server } : {}) });
    const note = await commitBundle(bundle, result.files);
    if (note) process.stderr.write(note);
    process.stdout.write(
      `Renewed the server certificate for ${result.hosts.join(', ')} (serial ${result.cert.serialHex}, until ${result.cert.notAfter.toISOString().slice(0, 10)}${values['new-key'] ? ', new key' : ', same key'}).\n` +
        `Install it: pg-secure-setup apply ${dir}${values.server !== undefined ? ` --server ${values.server}` : ''} --pgdata DATADIR (a reload, no restart; clients keep their files).\n`,
    );
    return 0;
  },
};
