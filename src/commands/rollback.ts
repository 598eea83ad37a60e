/** `pg-secure-setup rollback`: put back the files the last apply changed, and reload. */
import { rollback as runRollback } from '../apply/rollback.js';
import { rollbackReplicationFiles } from '../apply/replication-rollback.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import { WHERE_HELP, WHERE_OPTIONS, whereFrom } from './apply.js';
import { parseCommandArgs } from '../args.js';
import { reportingConnectionErrors } from './conn-options.js';

const OPTIONS = {
  ...WHERE_OPTIONS,
  backup: { type: 'string' },
  'replication-files': { type: 'string' },
  list: { type: 'boolean' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean', short: 'n' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const rollback: Command = {
  name: 'rollback',
  summary: 'undo the last apply: restore the files it changed and reload',
  help: () => `Usage: pg-secure-setup rollback [options]
       pg-secure-setup rollback --replication-files DIR [--list] [--backup TIMESTAMP] [--dry-run] [--force]

Restores every file the last 'pg-secure-setup apply' changed, from the backup
it made (/var/lib/pg-secure-setup/DATA-DIR-ID/backups/TIMESTAMP/ as root, or
under $PG_SECURE_SETUP_STATE_DIR; --list shows where), removes the files it
created, and reloads the server. Run it again to undo the apply before that.
A file edited since the apply is not overwritten unless you pass --force.
With --replication-files DIR it undoes 'apply --replication-files DIR'
instead: the replication files it replaced in DIR come back with their mode
and owner, the ones it created are removed; no server is located or reloaded
(a standby's walreceiver reads the files when it next connects).

Options:
${WHERE_HELP}
  --replication-files DIR undo 'apply --replication-files DIR' (not with -D, --config-dir,
                          --pg-bin or --connect)
  --list                  list the backups and what became of each
  --backup TIMESTAMP      roll back this apply instead of the last one
  --force                 roll back even files changed since the apply
  -n, --dry-run           print a diff of every file it would restore; change nothing
  -q, --quiet             print only problems

Exit codes: 0 restored, 1 the server did not take the restored files, 2 bad
input or nothing to roll back (nothing changed).`,
  run: (argv) =>
    reportingConnectionErrors(async () => {
      const { values } = parseCommandArgs(argv, OPTIONS);
      if (values.help) {
        process.stdout.write(rollback.help() + '\n');
        return 0;
      }
      const quiet = !!values.quiet && !values['dry-run'] && !values.list;
      const log = (line: string, problem?: boolean) => {
        if (problem) process.stderr.write(line + '\n');
        else if (!quiet) process.stdout.write(line + '\n');
      };
      if (values['replication-files'] !== undefined) {
        const other = ['pgdata', 'config-dir', 'pg-bin', 'connect'].filter((k) => values[k as keyof typeof values] !== undefined);
        if (other.length > 0) throw new UsageError(`--replication-files undoes apply --replication-files, which changes no data directory: leave out --${other.join(', --')}`);
        return rollbackReplicationFiles({
          dir: values['replication-files'],
          ...(values.backup ? { backup: values.backup } : {}),
          force: !!values.force,
          dryRun: !!values['dry-run'],
          list: !!values.list,
          log,
        });
      }
      return runRollback({
        where: whereFrom(values),
        ...(values.backup ? { backup: values.backup } : {}),
        force: !!values.force,
        dryRun: !!values['dry-run'],
        list: !!values.list,
        log,
      });
    }),
};
