/**
 * End to end, Debian layout: configuration in its own directory with
 * include_dir = 'conf.d', data elsewhere, server started with
 * -c config_file=... The settings go into conf.d (postgresql.conf stays
 * untouched), the rules into the configuration directory's pg_hba.conf,
 * the server files into the data directory.
 */
import test from 'ava';
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDebianCluster, type DebianCluster } from '../helpers/debian-cluster.js';
import { aliceTls, cli, connectTcp, setUp as setUpWith, snapshot, sslIs, tearDown, withoutBackups } from './apply-helpers.js';

const setUp = () => setUpWith(startDebianCluster);

const dirsOf = (c: DebianCluster) => [c.dataDir, c.configDir, c.confD];

test('Debian layout, found from the data directory alone: apply, connect, apply again, rollback', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    const pristine = await snapshot(dirsOf(c));
    const mainConf = await readFile(join(c.configDir, 'postgresql.conf'), 'utf8');

    const dry = await cli(['apply', bundle, '--pgdata', c.dataDir, '--dry-run']);
    t.is(dry.code, 0, dry.stderr);
    t.regex(dry.stdout, new RegExp(`${c.confD}/pg-secure-setup\\.conf: new file, mode 0644`));
    t.regex(dry.stdout, new RegExp(`--- ${c.configDir}/pg_hba\\.conf`));
    t.deepEqual(await snapshot(dirsOf(c)), pristine);

    const r = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(r.code, 0, r.stderr + r.stdout);
    t.regex(r.stdout, new RegExp(`config ${c.configDir}/postgresql\\.conf`));
    t.true(existsSync(join(c.confD, 'pg-secure-setup.conf')), 'settings went into conf.d');
    t.is(await readFile(join(c.configDir, 'postgresql.conf'), 'utf8'), mainConf, 'postgresql.conf is untouched');
    t.regex(await readFile(join(c.configDir, 'pg_hba.conf'), 'utf8'), /# BEGIN pg-secure-setup\n[^]*hostssl +all +all +127\.0\.0\.1\/32 +scram-sha-256 clientcert=verify-full/);
    t.is((await stat(join(c.configDir, 'pg_hba.conf'))).mode & 0o777, 0o640, 'pg_hba.conf keeps its mode');
    t.true(existsSync(join(c.dataDir, 'server.key')), 'server files go to the data directory');
    t.true(await sslIs(c, 'on'));
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
    t.regex(await connectTcp(c, work, { sslmode: 'disable' }).catch((e: Error) => e.message), /no encryption/);

    const once = await snapshot(dirsOf(c));
    const again = await cli(['apply', bundle, '--config-dir', c.configDir]);
    t.is(again.code, 0, again.stderr);
    t.regex(again.stdout, /Nothing to change/);
    t.deepEqual(await snapshot(dirsOf(c)), once);

    const rolled = await cli(['rollback', '--config-dir', c.configDir]);
    t.is(rolled.code, 0, rolled.stderr);
    t.deepEqual(withoutBackups(await snapshot(dirsOf(c))), withoutBackups(pristine));
    t.true(await sslIs(c, 'off'));
    t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f');
  } finally {
    await tearDown(s);
  }
});

test('Debian layout: a setting overridden after conf.d is caught by postgres -C and nothing stays changed', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    // A line after include_dir wins over the bundle's file (19.1.2: the last setting wins).
    await c.appendConf("ssl_min_protocol_version = 'TLSv1.3'");
    await c.reload();
    const before = await snapshot(dirsOf(c));
    const r = await cli(['apply', bundle, '--config-dir', c.configDir]);
    t.is(r.code, 1, r.stdout);
    t.regex(r.stderr, new RegExp(`ssl_min_protocol_version: the server would use "TLSv1\\.3", not "TLSv1\\.2" as the bundle sets: ${c.configDir}/postgresql\\.conf:\\d+ overrides it`));
    t.deepEqual(withoutBackups(await snapshot(dirsOf(c))), withoutBackups(before));
    t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f');
  } finally {
    await tearDown(s);
  }
});
