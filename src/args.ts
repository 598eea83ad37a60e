/** Flag parsing every command shares: strict util.parseArgs, bad flags as usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

/** Options for util.parseArgs. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** util.parseArgs with strict checking; a bad flag is a usage error naming --help. */
export function parseCommandArgs<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}\nRun with --help to see the options.`);
  }
}

/** The --connect option for util.parseArgs. */
export const CONNECT_OPTION = { connect: { type: 'string', short: 'c' } } as const;

/** Help lines for --connect, for commands' --help. */
export const CONNECT_HELP = `  -c, --connect CONNINFO  the server: "host=db.example.com port=5432 user=postgres dbname=postgres"
                          or postgresql://user@host:port/dbname?sslmode=verify-full (libpq 32.1.1).
                          PG* environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
                          PGSSLMODE, PGSSLROOTCERT, ...) fill in what it leaves out; with no
                          host, the local socket in /var/run/postgresql or /tmp. Passwords come
                          from password=, PGPASSWORD or ~/.pgpass, never from the command line.`;

/** Options of every command that makes a bundle (generate, the wizard): where answers come from and go. */
export const BUNDLE_OPTIONS = {
  answers: { type: 'string' },
  ...CONNECT_OPTION,
  'from-server': { type: 'boolean' },
  'save-answers': { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
