/**
 * The servers of a bundle of several, as the review and the summary show
 * them: each one's names (the primary marked), where its files are, and
 * the apply command that installs them on that server.
 */
import type { Answers } from '../answers/answers.js';
import { parseServer } from '../answers/servers.js';
import { commandLine, type Plan } from '../plan/plan.js';

/** One server of the bundle. */
export interface ServerRow {
  readonly name: string;
  readonly hosts: readonly string[];
  readonly primary: boolean;
  /** Its directory in the bundle, e.g. "servers/db2/". */
  readonly dir: string;
  /** The command to run on it, from the bundle directory. */
  readonly apply: string;
}

/** The servers of the plan ([] for a bundle of one server). */
export function serverRows(plan: Pick<Plan, 'answers' | 'dirs'>): ServerRow[] {
  return serverRowsOf(plan.answers, plan.dirs.data);
}

/** The servers of these answers, with apply commands for `dataDir`. */
export function serverRowsOf(a: Pick<Answers, 'servers'>, dataDir: string): ServerRow[] {
  return (a.servers ?? []).map(parseServer).map((s, i) => ({
    name: s.name,
    hosts: s.hosts,
    primary: i === 0,
    dir: `servers/${s.name}/`,
    // -D is --pgdata: short enough that the line fits 80 columns.
    apply: commandLine(['sudo', 'npx', 'pg-secure-setup', 'apply', '.', '--server', s.name, '-D', dataDir]),
  }));
}

/** Each server on one line (name, primary mark, names, directory), then, `withApply`, its apply command indented. */
export function serverLines(rows: readonly ServerRow[], withApply = true): string[] {
  const width = Math.max(...rows.map((r) => r.name.length + (r.primary ? ' (primary)'.length : 0))) + 2;
  return rows.flatMap((r) => [
    `${`${r.name}${r.primary ? ' (primary)' : ''}`.padEnd(width)}${r.hosts.join(', ')}  → ${r.dir}${r.primary ? ' and server/' : ''}`,
    ...(withApply ? [`  ${r.apply}`] : []),
  ]);
}
