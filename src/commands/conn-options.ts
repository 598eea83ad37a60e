/**
 * Turning a ConnectionError into a message and an exit code, for every
 * command that talks to a live server.
 */
import { ConnectionError, exitCodeFor } from '../pg/server.js';

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
    return exitCodeFor(err);
  }
}
