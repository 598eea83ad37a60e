/**
 * What every command that talks to a live server shares: the --connect
 * flag, its help text, flag parsing with usage errors, and turning a
 * ConnectionError into a message and an exit code.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import { ConnectionError } from '../pg/server.js';

/** The --connect option for util.parseArgs. */
export const CONNECT_OPTION = { connect: { type: 'string', short: 'c' } } as const;

/** Help lines for --connect, for commands' --help. */
export const CONNECT_HELP = `  -c, --connect CONNINFO  the server: "host=db.example.com port=5432 user=postgres dbname=postgres"
                          or postgresql://user@host:port/dbname?sslmode=verify-full (libpq 32.1.1).
                          PG* environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
                          PGSSLMODE, PGSSLROOTCERT, ...) fill in what it leaves out; with no
                          host, the local socket in /var/run/postgresql or /tmp. Passwords come
                          from password=, PGPASSWORD or ~/.pgpass, never from the command line.`;

/** util.parseArgs with strict checking; a bad flag is a usage error naming --help. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}\nRun with --help to see the options.`);
  }
}

/**
 * Run a command body; a ConnectionError becomes its message on stderr and
 * its status as the exit code (2: fix the input, 1: the server or network).
 * Other errors go on to cli.ts.
 */
export async function reportingConnectionErrors(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof ConnectionError)) throw err;
    process.stderr.write(`pg-secure-setup: ${err.message}\n`);
    return err.status;
  }
}
