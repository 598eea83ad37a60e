/**
 * Audit feeds generate and the wizard: ask a reachable server what it
 * already answers (its version, the names its certificate carries), where
 * its files are, and which roles are still on md5.
 */
import { dirname } from 'node:path';
import type { Answers } from '../answers/answers.js';
import type { ServerPrefill } from '../audit/prefill.js';
import { UsageError } from '../errors.js';
import type { ServerContext } from '../plan/plan.js';

/** The help lines for the options that ask a server. */
export const SERVER_PREFILL_HELP = `  -c, --connect CONNINFO  ask this server for its version, paths and md5 roles first
                          (conninfo or URI; PG* variables fill in the rest)
  --from-server           the same, with the PG* variables or the local socket alone`;

/** Connect (lazily loading pg), gather the audit's facts, and turn them into a prefill. */
export async function prefillFromServer(connect: string | undefined): Promise<ServerPrefill> {
  const [{ gatherLiveFacts }, { serverPrefill }] = await Promise.all([import('../audit/gather-live.js'), import('../audit/prefill.js')]);
  return serverPrefill(await gatherLiveFacts(connect === undefined ? {} : { connect }, []));
}

/** The plan's view of the server. */
export function serverContext(pre: ServerPrefill): ServerContext {
  return {
    ...(pre.md5Roles ? { md5Roles: pre.md5Roles } : {}),
    ...(pre.paths.dataDirectory ? { dataDirectory: pre.paths.dataDirectory } : {}),
    ...(pre.paths.configFile ? { configDir: dirname(pre.paths.configFile) } : {}),
  };
}

/** The server's answers under the user's: what the user says wins, except a version the server contradicts. */
export function mergeServerAnswers(pre: ServerPrefill, given: Partial<Answers>): Partial<Answers> {
  const server = pre.answers.pgVersion;
  if (server !== undefined && given.pgVersion !== undefined && given.pgVersion !== server) {
    throw new UsageError(`pgVersion: ${given.pgVersion} was asked for, but the server runs PostgreSQL ${server}`);
  }
  return { ...pre.answers, ...given };
}
