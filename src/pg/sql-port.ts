/**
 * The one way the tool sends SQL to a server it administers: a port with
 * two adapters. node-postgres (pg) through a Session (a --connect
 * connection, or the server's Unix socket reached as its OS user), and the
 * server's own psql over that socket (apply/sql.ts). Callers see
 * rows or the server's message, never an exception.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { connect, QueryError, type Session } from './server.js';

/** Rows as JSON objects, or why the server could not be asked. */
export type SqlResult<T> = { ok: true; rows: T[] } | { ok: false; error: string };

/** Runs one query and returns its rows. */
export type SqlRunner = <T>(sql: string) => Promise<SqlResult<T>>;

/** Runs one statement that returns no rows (ALTER SYSTEM, which cannot run inside a query or a transaction block). */
export type StatementRunner = (sql: string) => Promise<{ ok: true } | { ok: false; error: string }>;

/** A way to ask a server: queries, statements, and how it reaches the server (for messages). */
export interface SqlPort {
  readonly sql: SqlRunner;
  readonly statements: StatementRunner;
  readonly via: string;
  close(): Promise<void>;
}

/**
 * The node-postgres adapter: a Session as a port. With `reopen`, a session
 * that was lost (a restart ends every connection) is opened again once
 * before the query is given up; the server's refusals are never retried.
 */
export function sessionPort(first: Session, via: string, reopen?: () => Promise<Session>): SqlPort {
  let session = first;
  const query = async (sql: string): Promise<unknown[]> => {
    try {
      return await session.query(sql);
    } catch (err) {
      // 57P01..57P03: the server shut the session down (a restart); other SQL states are its answer.
      if (!reopen || (err instanceof QueryError && !err.sqlState.startsWith('57P'))) throw err;
      await session.end();
      session = await reopen();
      return session.query(sql);
    }
  };
  return {
    sql: async <T>(sql: string): Promise<SqlResult<T>> => {
      try {
        return { ok: true, rows: (await query(sql)) as T[] };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },
    statements: async (sql) => {
      try {
        await query(sql);
        return { ok: true };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },
    via,
    close: () => session.end(),
  };
}

// Runs as the server's OS user and only carries bytes between its stdin/stdout and the socket, so
// peer authentication sees that user (20.9). Node built-ins only: it reads no file of ours.
const RELAY = `const s=require('net').connect(process.argv[1]);s.on('connect',()=>{process.stdin.pipe(s);s.pipe(process.stdout)});s.on('error',(e)=>{process.stderr.write(e.message);process.exit(3)});s.on('close',()=>process.exit(0))`;

/** A byte stream to a Unix socket, opened by a child process running as another user. */
class RelayStream extends Duplex {
  private child: ChildProcess | undefined;
  private stderr = '';

  constructor(private readonly argv: readonly string[]) {
    super();
  }

  // node-postgres calls these on its stream.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  connect(): this {
    const [cmd, ...args] = this.argv;
    const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (b: Buffer) => this.push(b));
    child.stdout!.on('end', () => this.push(null));
    child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    child.stdin!.on('error', () => undefined);
    child.on('error', (e) => this.destroy(e));
    child.on('close', (code) => {
      if (code !== 0 && !this.destroyed) this.destroy(new Error(this.stderr.trim() || `the socket relay exited with ${code}`));
      else this.push(null);
    });
    queueMicrotask(() => this.emit('connect'));
    return this;
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.child!.stdin!.write(chunk, cb);
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.child?.stdin?.end();
    cb();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.child?.stdin?.destroy();
    this.child?.kill();
    cb(err);
  }
}

/** Where the server's socket is and who may use it. */
export interface SocketAccess {
  /** unix_socket_directories entry the server listens in. */
  readonly socketDir: string;
  readonly port: number;
  /** The role to log in as: the server's OS user, by peer authentication. */
  readonly role: string;
  /** The argv prefix that runs a program as that OS user (empty when we are that user). */
  readonly asUser: (file: string, args: readonly string[]) => string[];
}

/**
 * The node-postgres adapter over the server's Unix socket as its OS user:
 * a small relay child runs as that user (peer authentication), pg speaks
 * through it. Needs no psql, so it works with servers that ship none.
 */
export async function socketPort(a: SocketAccess): Promise<SqlPort> {
  const path = `${a.socketDir}/.s.PGSQL.${a.port}`;
  const argv = a.asUser(process.execPath, ['-e', RELAY, path]);
  const open = () =>
    connect({ connect: `host=${a.socketDir} port=${a.port} user=${a.role} dbname=postgres sslmode=disable`, env: {} }, { stream: () => new RelayStream(argv), timeoutMs: 15_000 });
  return sessionPort(await open(), `the server's socket ${a.socketDir} as ${a.role}`, open);
}
