/**
 * Asking the running server over its Unix socket, as its OS user (peer
 * authentication): the administrator on the server needs no password for
 * it. The server's own psql when its bin directory has one, else the
 * project's client through a relay running as that user (pg/sql-port.ts);
 * servers from some packages ship no psql.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { socketPort, type SqlPort, type SqlResult, type SqlRunner, type StatementRunner } from '../pg/sql-port.js';
import { asUserArgv, execAs } from './exec.js';
import type { LocatedServer } from './locate.js';

export type { SqlPort, SqlResult, SqlRunner, StatementRunner } from '../pg/sql-port.js';

// psql as the server's OS user over its socket, one -c command (its own transaction), stopping on the first error.
function psqlOverSocket(server: LocatedServer): ((command: string) => Promise<{ code: number; stdout: string; stderr: string }>) | undefined {
  const running = server.running;
  if (!running?.socketDir) return undefined;
  return (command) => {
    const args = ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', running.socketDir!, '-p', String(running.port), '-U', server.osUser.name, '-d', 'postgres', '-c', command];
    return execAs(server.osUser, join(server.bin, 'psql'), args, { timeoutMs: 15_000 });
  };
}

/** A runner over the server's socket with psql as the OS user; undefined when the server has no socket or is not running. */
export function socketSql(server: LocatedServer): SqlRunner | undefined {
  const psql = psqlOverSocket(server);
  if (!psql) return undefined;
  return async <T>(sql: string): Promise<SqlResult<T>> => {
    const r = await psql(`SELECT coalesce(json_agg(q), '[]'::json) FROM (${sql}) q`);
    if (r.code !== 0) return { ok: false, error: r.stderr.trim() || `psql exited with ${r.code}` };
    try {
      return { ok: true, rows: JSON.parse(r.stdout) as T[] };
    } catch {
      return { ok: false, error: `unexpected psql output: ${r.stdout.slice(0, 200)}` };
    }
  };
}

/** Statements over the server's socket with psql as the OS user; undefined as for socketSql. */
export function socketStatements(server: LocatedServer): StatementRunner | undefined {
  const psql = psqlOverSocket(server);
  if (!psql) return undefined;
  return async (sql) => {
    const r = await psql(sql);
    return r.code === 0 ? { ok: true } : { ok: false, error: r.stderr.trim() || `psql exited with ${r.code}` };
  };
}

/**
 * The way to ask a running server over its socket, or why there is none:
 * psql when the server has it, else node-postgres through a relay.
 */
export async function serverSocketPort(server: LocatedServer): Promise<{ port: SqlPort } | { error: string }> {
  const running = server.running;
  if (!running) return { error: 'the server is not running' };
  if (!running.socketDir) return { error: `the server of ${server.dataDir} listens on no Unix socket this can use` };
  if (existsSync(join(server.bin, 'psql'))) {
    return { port: { sql: socketSql(server)!, statements: socketStatements(server)!, via: `psql over ${running.socketDir} as ${server.osUser.name}`, close: async () => undefined } };
  }
  try {
    const port = await socketPort({ socketDir: running.socketDir, port: running.port, role: server.osUser.name, asUser: (file, args) => asUserArgv(server.osUser, file, args) });
    return { port };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
