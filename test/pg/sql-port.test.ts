/**
 * The SQL port's node-postgres adapter over a server's Unix socket, as the
 * server's OS user through the relay: against a real PostgreSQL 18 from the
 * npm package (it has no psql, which is why the relay exists).
 */
import anyTest, { type TestFn } from 'ava';
import { socketPort, type SocketAccess } from '../../src/pg/sql-port.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const test = anyTest as TestFn<{ c: Cluster }>;

test.before(async (t) => {
  t.context = { c: await startCluster({ version: 18 }) };
});
test.after.always(async (t) => {
  await t.context.c?.stop();
});

const asPostgres = (file: string, args: readonly string[]) => (process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', file, ...args] : [file, ...args]);
const access = (c: Cluster, over: Partial<SocketAccess> = {}): SocketAccess => ({ socketDir: c.socketDir, port: c.port, role: 'postgres', asUser: asPostgres, ...over });

test('queries and statements reach the server as its OS user by peer authentication', async (t) => {
  const port = await socketPort(access(t.context.c));
  try {
    t.regex(port.via, /socket .* as postgres/);
    const r = await port.sql<{ user: string; version: string }>("SELECT current_user AS user, current_setting('server_version') AS version");
    t.true(r.ok);
    if (r.ok) t.like(r.rows[0], { user: 'postgres' });
    if (r.ok) t.regex(r.rows[0]!.version, /^18\./);
    t.deepEqual(await port.statements("ALTER SYSTEM SET work_mem = '8MB'"), { ok: true }, 'ALTER SYSTEM, which cannot run inside a transaction block');
    t.deepEqual(await port.sql('SELECT no_such_column'), { ok: false, error: 'column "no_such_column" does not exist' });
    t.true((await port.sql('SELECT 1 AS one')).ok, 'the session survives an error');
  } finally {
    await port.close();
  }
});

test.serial('after a restart ends the session, the next query opens a new one', async (t) => {
  const { c } = t.context;
  const port = await socketPort(access(c));
  try {
    const pid = async () => {
      const r = await port.sql<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return r.ok ? r.rows[0]!.pid : r.error;
    };
    const first = await pid();
    t.is(typeof first, 'number');
    await c.pgCtl('-m', 'fast', '-w', '-l', c.logFile, 'restart');
    const second = await pid();
    t.is(typeof second, 'number', String(second));
    t.not(second, first);
  } finally {
    await port.close();
  }
});

test('a role the OS user is not: the server says peer authentication failed', async (t) => {
  const err = await t.throwsAsync(socketPort(access(t.context.c, { role: 'alice' })));
  t.regex(err!.message, /Peer authentication failed for user "alice"/);
});

test('no socket there: the message names the socket file', async (t) => {
  const err = await t.throwsAsync(socketPort(access(t.context.c, { socketDir: `${t.context.c.dir}/nowhere` })));
  t.regex(err!.message, /nowhere\/\.s\.PGSQL\.\d+.*ENOENT/);
});
