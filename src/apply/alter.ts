/**
 * apply --alter-system: the bundle's settings go in with `ALTER SYSTEM SET
 * name = 'value'` (manual: ALTER SYSTEM), which the server checks like a
 * SET (a bad value is refused with its reason) and writes into
 * postgresql.auto.conf in the data directory. That file is read after
 * postgresql.conf, so its values win (19.1.2); like any configuration file
 * it takes effect on the next reload, so the checks of the files and the
 * reload stay as for a file of ours.
 */
import { UsageError } from '../errors.js';
import { quoteLiteral } from '../pg/server.js';
import type { CheckProblem } from './check.js';
import { ALTER_SYSTEM_NAME } from '../pg/conf.js';
import type { ApplyPlan } from './plan.js';
import type { Log } from './exec.js';
import type { StatementRunner } from './sql.js';
import type { ServerAccess } from './locate-connect.js';
import { QUERIES, type CurrentRoleRow } from '../pg/queries.js';

/** One statement to run, and the setting it sets. */
export interface AlterSystemStatement {
  readonly name: string;
  readonly sql: string;
}

/**
 * The plan's ALTER SYSTEM statements. A parameter name cannot be a bind
 * parameter and goes in as written, so only a name the bundle itself sets
 * and that is a plain parameter name does; the value is a quoted literal.
 */
export function alterSystemStatements(plan: Pick<ApplyPlan, 'settings' | 'alterSystem'>): AlterSystemStatement[] {
  const bundleNames = new Set(plan.settings.map((s) => s.name));
  return (plan.alterSystem ?? []).map((s) => {
    if (!bundleNames.has(s.name) || !ALTER_SYSTEM_NAME.test(s.name)) throw new Error(`not a setting of the bundle, or not a parameter name: ${JSON.stringify(s.name)}`);
    return { name: s.name, sql: `ALTER SYSTEM SET ${s.name} = ${quoteLiteral(s.value)}` };
  });
}

/**
 * Refuse --alter-system, before anything changes, without a connection to
 * the running server or as a role that is not a superuser (ALTER SYSTEM,
 * pg_file_settings and pg_hba_file_rules need one).
 */
export async function requireAlterSystem(access: ServerAccess): Promise<void> {
  const { server } = access;
  if (!server.running || !access.sql || !access.statements) {
    const why = server.running
      ? `${access.sqlUnavailable ?? `the server of ${server.dataDir} has no Unix socket this can use`}: pass --connect CONNINFO`
      : `the server of ${server.dataDir} is not running: start it, or apply without --alter-system (a file of settings)`;
    throw new UsageError(`--alter-system needs a connection to the running server (ALTER SYSTEM is an SQL command), and there is none: ${why}. Nothing was changed.`);
  }
  const me = await access.sql<CurrentRoleRow>(QUERIES.currentRole);
  if (!me.ok) throw new UsageError(`--alter-system: could not ask the server which role this is (${me.error}). Nothing was changed.`);
  const row = me.rows[0];
  if (!row?.super) {
    throw new UsageError(`--alter-system needs a superuser, and "${row?.user ?? '?'}" (${access.via}) is not one: connect as one, e.g. --connect "user=postgres". Nothing was changed.`);
  }
}

/** Run the statements in order; the first one the server refuses stops it, with the server's message. */
export async function runAlterSystem(run: StatementRunner, statements: readonly AlterSystemStatement[], log: Log): Promise<CheckProblem | undefined> {
  for (const s of statements) {
    const r = await run(s.sql);
    if (!r.ok) return { where: s.name, message: `ALTER SYSTEM refused it: ${r.error.replace(/^ERROR:\s+/, '').replace(/\n/g, '\n    ')}` };
    log(`  ${s.sql}`);
  }
  return undefined;
}
