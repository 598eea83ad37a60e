/**
 * Reach the server for apply and rollback: through a connection when one is
 * asked for (--connect, or PG* variables and no directory flags), else from
 * the directories; SQL then goes over the server's own socket as its OS user.
 */
import { UsageError } from '../errors.js';
import { connect, serverFacts } from '../pg/server.js';
import { sessionPort } from '../pg/sql-port.js';
import { serverSocketPort, type SqlRunner, type StatementRunner } from './sql.js';
import { locateServer, type LocatedServer } from './locate.js';

/** Where the user said the server is. */
export interface WhereOptions {
  readonly pgdata?: string;
  readonly configDir?: string;
  readonly pgBin?: string;
  /** conninfo or URI. */
  readonly connect?: string;
  /** Root of Debian's per-cluster configuration (tests). */
  readonly debianRoot?: string;
}

/** A located server and a way to ask it questions, if any. */
export interface ServerAccess {
  readonly server: LocatedServer;
  readonly sql: SqlRunner | undefined;
  /** Statements that return no rows (ALTER SYSTEM), over the same way in. */
  readonly statements: StatementRunner | undefined;
  /** How SQL reaches the server, for messages. */
  readonly via: string;
  /** Why there is no SQL (sql undefined) although the server runs. */
  readonly sqlUnavailable?: string;
  close(): Promise<void>;
}

const CONN_VARS = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGSERVICE'];

/** Whether to ask a connection where the files are. */
export function wantsConnection(w: WhereOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  if (w.connect) return true;
  if (w.pgdata || w.configDir) return false;
  return CONN_VARS.some((v) => env[v]);
}

/** Locate the server (and connect, when asked); `version` is the major the bundle is for, if known. */
export async function openServer(w: WhereOptions, version: number | undefined): Promise<ServerAccess> {
  const base = { ...(w.pgBin ? { pgBin: w.pgBin } : {}), ...(w.debianRoot ? { debianRoot: w.debianRoot } : {}) };
  if (!wantsConnection(w)) {
    const server = await locateServer({ ...base, ...(w.pgdata ? { pgdata: w.pgdata } : {}), ...(w.configDir ? { configDir: w.configDir } : {}), ...(version ? { version } : {}) });
    if (!server.running) return { server, sql: undefined, statements: undefined, via: 'no connection (the server is not running)', close: async () => undefined };
    const found = await serverSocketPort(server);
    if ('error' in found) return { server, sql: undefined, statements: undefined, via: 'no connection', sqlUnavailable: found.error, close: async () => undefined };
    const { port } = found;
    return { server, sql: port.sql, statements: port.statements, via: port.via, close: () => port.close() };
  }
  const session = await connect(w.connect ? { connect: w.connect } : {});
  try {
    const facts = await serverFacts(session);
    if (version && facts.major !== version) {
      throw new UsageError(`the bundle is for PostgreSQL ${version}, but the server is PostgreSQL ${facts.version}: generate a bundle with --pg-version ${facts.major}`);
    }
    if (!facts.dataDirectory || !facts.configFile || !facts.hbaFile) {
      throw new UsageError(`"${facts.currentUser}" may not read data_directory, config_file and hba_file: connect as a superuser, or pass --pgdata`);
    }
    const server = await locateServer({
      ...base,
      version: facts.major,
      facts: { dataDirectory: facts.dataDirectory, configFile: facts.configFile, hbaFile: facts.hbaFile },
    });
    const port = sessionPort(session, 'the --connect session');
    return { server, sql: port.sql, statements: port.statements, via: port.via, close: () => port.close() };
  } catch (err) {
    await session.end();
    throw err;
  }
}
