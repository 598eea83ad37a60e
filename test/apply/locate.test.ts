/** Finding a server's files: the pure helpers, then real clusters in both layouts. */
import test from 'ava';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFileFromOpts, debianConfigDir, locateServer, parsePostmasterPid } from '../../src/apply/locate.js';
import { startCluster } from '../helpers/cluster.js';
import { startDebianCluster } from '../helpers/debian-cluster.js';

test('config_file from postmaster.opts, as pg_ctlcluster and pg_ctl -o leave it', (t) => {
  t.is(configFileFromOpts('/usr/lib/postgresql/15/bin/postgres "-D" "/var/lib/postgresql/15/main" "-c" "config_file=/etc/postgresql/15/main/postgresql.conf"\n'), '/etc/postgresql/15/main/postgresql.conf');
  t.is(configFileFromOpts('/usr/bin/postgres "-D" "/d" "--config-file=/etc/pg.conf"'), '/etc/pg.conf');
  t.is(configFileFromOpts('/usr/lib/postgresql/15/bin/postgres "-D" "/data"\n'), undefined);
});

test("Debian's configuration directory for its data directories only", (t) => {
  t.is(debianConfigDir('/var/lib/postgresql/15/main'), '/etc/postgresql/15/main');
  t.is(debianConfigDir('/var/lib/postgresql/16/other/', '/r'), '/r/16/other');
  t.is(debianConfigDir('/srv/pg/data'), undefined);
});

test('postmaster.pid lines: pid, data directory, start, port, socket directory, listen address', (t) => {
  const text = '4242\n/var/lib/postgresql/15/main\n1700000000\n5433\n/var/run/postgresql\n*\n  123  456\nready   \n';
  t.deepEqual(parsePostmasterPid(text), { pid: 4242, port: 5433, socketDir: '/var/run/postgresql', listenAddress: '127.0.0.1' });
  t.deepEqual(parsePostmasterPid('17\n/d\n1\n5432\n\n\n'), { pid: 17, port: 5432 });
  t.is(parsePostmasterPid(''), undefined);
});

test('no server to be found is a usage error naming the flags', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pgss-etc-'));
  try {
    await t.throwsAsync(locateServer({ version: 15, debianRoot: root }), { name: 'UsageError', message: /no PostgreSQL 15 cluster found: pass --pgdata/ });
    for (const c of ['main', 'second']) {
      await mkdir(join(root, '15', c), { recursive: true });
      await writeFile(join(root, '15', c, 'postgresql.conf'), '');
    }
    await t.throwsAsync(locateServer({ version: 15, debianRoot: root }), { message: /several PostgreSQL 15 clusters .*pass --config-dir/ });
    await t.throwsAsync(locateServer({ version: 15, pgdata: root }), { message: /no postgresql\.conf in it; pass --config-dir/ });
    await t.throwsAsync(locateServer({ version: 15, pgdata: join(root, 'nope') }), { message: /not a directory/ });
    await t.throwsAsync(locateServer({ version: 15, configDir: root }), { message: /no postgresql\.conf there/ });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('initdb layout: everything in the data directory; a bundle of another version is refused', async (t) => {
  const c = await startCluster();
  try {
    const s = await locateServer({ version: 15, pgdata: c.dataDir });
    t.like(s, { dataDir: c.dataDir, configFile: join(c.dataDir, 'postgresql.conf'), hbaFile: join(c.dataDir, 'pg_hba.conf'), version: 15, osUser: { name: 'postgres' } });
    t.like(s.running, { port: c.port, socketDir: c.socketDir, listenAddress: '127.0.0.1' });
    await t.throwsAsync(locateServer({ version: 16, pgdata: c.dataDir }), { name: 'UsageError', message: /the bundle is for PostgreSQL 16, but .* belongs to PostgreSQL 15/ });
  } finally {
    await c.stop();
  }
});

test('Debian layout: from the data directory (postmaster.opts), the config directory, or the only cluster under /etc/postgresql', async (t) => {
  const c = await startDebianCluster();
  const root = await mkdtemp(join(tmpdir(), 'pgss-etc-'));
  try {
    const want = { dataDir: c.dataDir, configFile: join(c.configDir, 'postgresql.conf'), hbaFile: join(c.configDir, 'pg_hba.conf') };
    t.like(await locateServer({ version: 15, pgdata: c.dataDir }), want);
    t.like(await locateServer({ version: 15, configDir: c.configDir }), want);
    t.like(await locateServer({ configDir: c.configDir }), { ...want, version: 15 }, 'the version comes from PG_VERSION when no bundle says it');
    await chmod(root, 0o755); // the postgres user reads the configuration through it
    await mkdir(join(root, '15'));
    await symlink(c.configDir, join(root, '15', 'main'));
    t.like(await locateServer({ version: 15, debianRoot: root }), { dataDir: c.dataDir, hbaFile: want.hbaFile });
    await c.pgCtl('-m', 'fast', '-w', 'stop');
    t.is((await locateServer({ version: 15, pgdata: c.dataDir })).running, undefined, 'a stopped server is not running (postmaster.pid is gone)');
  } finally {
    await c.stop();
    await rm(root, { recursive: true, force: true });
  }
});
