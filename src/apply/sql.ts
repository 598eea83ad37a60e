/**
 * Asking the running server over its Unix socket, as its OS user (peer
 * authentication), with the server's own psql. Used when no connection
 * was given: the administrator on the server needs no password for it.
 */
import { join } from 'node:path';
import { execAs } from './exec.js';
import type { LocatedServer } from './locate.js';

/** Rows as JSON objects, or why the server could not be asked. */
export type SqlResult<T> = { ok: true; rows: T[] } | { ok: false; error: string };

/** Runs one query and returns its rows. */
export type SqlRunner = <T>(sql: string) => Promise<SqlResult<T>>;

/** Runs one statement that returns no rows (ALTER SYSTEM, which cannot run inside a query or a transaction block). */
export type StatementRunner = (sql: string) => Promise<{ ok: true } | { ok: false; error: string }>;

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
