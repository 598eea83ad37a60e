/**
 * `pg-secure-setup apply BUNDLE_DIR`: install a bundle on the server this
 * runs on, safely (backups, atomic writes, check, reload, roll back on
 * failure). `--dry-run` shows every change and changes nothing.
 */
import { createInterface } from 'node:readline/promises';
import { applyBundle } from '../apply/apply.js';
import { installReplicationFiles } from '../apply/standby.js';
import { parseRestartMode } from '../apply/shutdown.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import { CONNECT_HELP, CONNECT_OPTION, parseCommandArgs } from '../args.js';
import { reportingConnectionErrors } from './conn-options.js';

/** Flags shared with rollback: where the server is. */
export const WHERE_OPTIONS = {
  pgdata: { type: 'string', short: 'D' },
  'config-dir': { type: 'string' },
  'pg-bin': { type: 'string' },
  ...CONNECT_OPTION,
} as const;

export const WHERE_HELP = `  -D, --pgdata DIR        the data directory (default: $PGDATA)
  --config-dir DIR        where postgresql.conf is, when not in the data directory
                          (Debian: /etc/postgresql/VERSION/CLUSTER)
  --pg-bin DIR            the server's programs (default: /usr/lib/postgresql/VERSION/bin,
                          /usr/pgsql-VERSION/bin, then PATH)
${CONNECT_HELP}
  With none of these, the one Debian cluster in /etc/postgresql/VERSION/, if there is one.`;

const OPTIONS = {
  ...WHERE_OPTIONS,
  'md5-to-scram': { type: 'boolean' },
  'keep-trust': { type: 'boolean' },
  'alter-system': { type: 'boolean' },
  'skip-server-check': { type: 'boolean' },
  'key-owner': { type: 'string' },
  'passphrase-command': { type: 'string' },
  'restart-mode': { type: 'string' },
  'allow-edited-rules': { type: 'boolean' },
  server: { type: 'string' },
  'replication-files': { type: 'string' },
  owner: { type: 'string' },
  'dry-run': { type: 'boolean', short: 'n' },
  yes: { type: 'boolean', short: 'y' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** --pgdata, --config-dir, --pg-bin and --connect as WhereOptions ($PGDATA when nothing else is given). */
export function whereFrom(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const pgdata = str('pgdata') ?? (str('config-dir') || str('connect') ? undefined : env.PGDATA || undefined);
  return {
    ...(pgdata ? { pgdata } : {}),
    ...(str('config-dir') ? { configDir: str('config-dir')! } : {}),
    ...(str('pg-bin') ? { pgBin: str('pg-bin')! } : {}),
    ...(str('connect') ? { connect: str('connect')! } : {}),
  };
}

/** Ask yes/no on the terminal; undefined when there is none (no prompts without a TTY). */
export function terminalConfirm(): ((q: string) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
}

export const apply: Command = {
  name: 'apply',
  summary: 'install a bundle on this server: back up, write, check, reload, roll back on failure',
  help: () => `Usage: pg-secure-setup apply BUNDLE_DIR [options]

Installs a bundle made by 'pg-secure-setup generate' on the PostgreSQL server
this runs on, as the bundle stands (edit its conf/ files first if you like):
  - server/ files where the bundle's ssl_*_file settings say (relative to the
    data directory): certificates 0644, the key 0600 owned by the server's user;
  - conf/pg-secure-setup.conf into the include_dir (conf.d) when postgresql.conf
    has one, else beside postgresql.conf with an include line; or, with
    --alter-system, each of its settings by ALTER SYSTEM SET into the data
    directory's postgresql.auto.conf, which the server reads last;
  - conf/pg_hba.conf's rules into the server's pg_hba.conf, in a marked block
    above the rules they must override; the server's OS user keeps local access;
  - the server's own open rules closed: local trust becomes peer, host trust
    and password become scram-sha-256 (shown in --dry-run's diff).
The bundle is checked first: its files are regular files inside it (no
symbolic links), it sets only the settings generate makes, its files go into
the data or config directory, its rules use only generate's methods, and the
server certificate matches its key, is valid now and chains to root.crt.
Before any change it also checks that a superuser can still log in afterwards
(refusing, exit 2, if none could) and lists roles that would lose their way in,
each with the command that fixes it (needs the running server's SQL access).
Every file it changes is backed up first, outside the data directory
(/var/lib/pg-secure-setup/ as root; $PG_SECURE_SETUP_STATE_DIR moves it). The
server checks the new files before the reload; on any problem, Ctrl+C, SIGHUP
or SIGTERM the old files are put back. A second run with the same bundle
changes nothing; two at once on one data directory: the second exits 2.
On a standby (standby.signal) of a bundle with a replication role, apply also
installs clients/ROLE/ where primary_conninfo's sslrootcert, sslcert and sslkey
name them (into a directory of the server's user; key 0600), backed up and
rolled back with the rest; a primary_conninfo without sslmode=verify-full, as
another user, or without those files is a warning and they are left alone
(apply never edits primary_conninfo, so the standby streams on as before).

Options:
${WHERE_HELP}
  --md5-to-scram          also rewrite md5 rules of pg_hba.conf to scram-sha-256
  --keep-trust            leave the server's trust and password rules as they are
                          (apply then lists what stays open)
  --alter-system          set the bundle's settings with ALTER SYSTEM instead of a file;
                          needs the running server and a superuser: --connect, PG*
                          variables, or the server's socket as its OS user
  --key-owner server|root server (default): key 0600 owned by the server's user;
                          root: key 0640 owned by root, group of the server's user
  --skip-server-check     apply even when the running server cannot be asked to check
                          the new files (pg_hba_file_rules, pg_file_settings); without
                          it that stops the apply before anything is written
  --passphrase-command CMD
                          the bundle sets ssl_passphrase_command = CMD and you vouch for it
                          (the server runs it at every start); refused without this flag
  --allow-edited-rules    install conf/pg_hba.conf rules generate would not make (methods
                          other than scram-sha-256, cert, reject, peer on local)
  --server NAME           in a bundle of several servers (generate --server), install
                          servers/NAME/'s certificate and key; required there
  --replication-files DIR install only the replication role's clients/ROLE/ files into DIR
                          (an absolute path outside the bundle; made 0700 if missing) for
                          --owner USER (default postgres): before pg_basebackup builds a
                          standby. No data directory is read or changed; undo it with
                          'pg-secure-setup rollback --replication-files DIR'
  -n, --dry-run           print a diff of every file and the commands (and ALTER SYSTEM
                          statements); change nothing
  -y, --yes               allow a restart when one is needed (pg_ctl restart -m fast)
  --restart-mode smart|fast
                          how a needed restart stops the server (18.5): fast (default)
                          ends sessions cleanly at once; smart waits for clients to
                          leave; immediate is never used (it forces crash recovery)
  -q, --quiet             print only problems

Exit codes: 0 applied (or nothing to change), 1 the server refused the new
configuration (old files restored) or another failure, 2 bad input, or no
superuser could log in afterwards (nothing changed).
Undo the last apply with 'pg-secure-setup rollback'.`,
  run: (argv) =>
    reportingConnectionErrors(async () => {
      const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
      if (values.help) {
        process.stdout.write(apply.help() + '\n');
        return 0;
      }
      if (positionals.length !== 1) throw new UsageError('apply takes one bundle directory: pg-secure-setup apply BUNDLE_DIR [options]');
      if (values.owner !== undefined && values['replication-files'] === undefined) throw new UsageError('--owner goes with --replication-files DIR (the owner of the files there)');
      if (values['replication-files'] !== undefined) {
        const other = ['pgdata', 'config-dir', 'pg-bin', 'connect', 'alter-system', 'md5-to-scram', 'keep-trust', 'key-owner', 'restart-mode', 'skip-server-check', 'passphrase-command', 'allow-edited-rules'].filter((k) => values[k as keyof typeof values] !== undefined);
        if (other.length > 0) throw new UsageError(`--replication-files installs only the replication files: leave out --${other.join(', --')}`);
        const quietFiles = !!values.quiet && !values['dry-run'];
        return await installReplicationFiles({
          bundleDir: positionals[0]!,
          dir: values['replication-files'],
          owner: values.owner ?? 'postgres',
          ...(typeof values.server === 'string' ? { server: values.server } : {}),
          dryRun: !!values['dry-run'],
          log: (line, problem) => {
            if (problem) process.stderr.write(line + '\n');
            else if (!quietFiles) process.stdout.write(line + '\n');
          },
        });
      }
      const keyOwner = values['key-owner'] ?? 'server';
      if (keyOwner !== 'server' && keyOwner !== 'root') throw new UsageError(`--key-owner must be server or root, not "${keyOwner}"`);
      const restartMode = parseRestartMode(values['restart-mode']);
      const quiet = !!values.quiet && !values['dry-run'];
      const result = await applyBundle({
        bundleDir: positionals[0]!,
        where: whereFrom(values),
        options: { md5ToScram: !!values['md5-to-scram'], keyOwner, alterSystem: !!values['alter-system'], skipServerCheck: !!values['skip-server-check'], keepTrust: !!values['keep-trust'] },
        check: {
          ...(typeof values['passphrase-command'] === 'string' ? { passphraseCommand: values['passphrase-command'] } : {}),
          allowEditedRules: !!values['allow-edited-rules'],
          ...(typeof values.server === 'string' ? { server: values.server } : {}),
        },
        dryRun: !!values['dry-run'],
        yes: !!values.yes,
        restartMode,
        confirm: terminalConfirm(),
        log: (line, problem) => {
          if (problem) process.stderr.write(line + '\n');
          else if (!quiet) process.stdout.write(line + '\n');
        },
      });
      return result.code;
    }),
};
