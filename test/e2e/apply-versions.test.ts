/**
 * End to end on the oldest and newest majors, from the npm server packages
 * (which ship no psql): `generate --pg-version N`, `apply`, the server's own
 * checks ran (through the project's client over its socket), and a
 * verify-full connection with the client bundle works. Then a server that
 * cannot be asked at all: apply stops unless told to go on without it.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster } from '../helpers/cluster.js';
import { aliceTls, cli, connectTcp, setUp, snapshot, sslIs, tearDown } from './apply-helpers.js';

for (const version of [12, 18] as const) {
  test(`PostgreSQL ${version} without psql: apply has the server check the files, then verify-full works`, async (t) => {
    const s = await setUp(() => startCluster({ version }), ['--pg-version', String(version)]);
    try {
      const { c, bundle, work } = s;
      t.false(existsSync(join(c.bin, 'psql')), 'the npm server package has no psql');
      // An old-style rule 12 and 13 accept (18 would refuse it): apply keeps it and goes on.
      if (version === 12) await appendFile(join(c.dataDir, 'pg_hba.conf'), 'hostssl all all 10.9.0.0/16 scram-sha-256 clientcert=1\n');
      await c.psql("SET password_encryption = 'md5'; CREATE ROLE bob LOGIN PASSWORD 'bob'");
      const applied = await cli(['apply', bundle, '--pgdata', c.dataDir, '--pg-bin', c.bin]);
      t.is(applied.code, 0, applied.stderr + applied.stdout);
      t.regex(applied.stdout, new RegExp(`Server: PostgreSQL ${version}\\b`));
      t.regex(applied.stdout, /The server checked the new files \(pg_hba_file_rules, pg_file_settings\) through the server's socket .* as postgres\./);
      t.notRegex(applied.stdout + applied.stderr, /could not ask the server/);
      // A role stored as md5 (12's default password_encryption) cannot log in under the bundle's rules: apply says so.
      t.regex(applied.stderr, /^Warning: these roles would have no way to log in after this apply:\n\s+bob: its password is stored as an md5 hash.*fix: pg-secure-setup set-password bob/m);
      t.true(await sslIs(c, 'on'));
      t.regex(await connectTcp(c, work, aliceTls(bundle), 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()').catch((e: Error) => e.message), /^t\|TLSv1\.[23]$/);
      // 12 says "SSL off", later majors "no encryption".
      t.regex(await connectTcp(c, work, { sslmode: 'disable' }).catch((e: Error) => e.message), /pg_hba\.conf rejects connection .*(no encryption|SSL off)/);

      // rollback asks the server the same way before its reload.
      const rolled = await cli(['rollback', '--pgdata', c.dataDir, '--pg-bin', c.bin]);
      t.is(rolled.code, 0, rolled.stderr + rolled.stdout);
      t.true(await sslIs(c, 'off'));
    } finally {
      await tearDown(s);
    }
  });
}

test('a running server that cannot be asked (no Unix socket): apply stops with nothing changed; --skip-server-check goes on', async (t) => {
  const s = await setUp(() => startCluster());
  try {
    const { c, bundle, work } = s;
    await c.appendConf("unix_socket_directories = ''");
    await c.pgCtl('-m', 'fast', '-w', '-l', c.logFile, 'restart');
    const before = await snapshot([c.dataDir]);
    const refused = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(refused.code, 2, refused.stdout);
    t.regex(refused.stderr, /cannot ask the running server to check the new files \(.*no Unix socket.*\); nothing was changed\. Pass --connect CONNINFO \(a superuser\), or --skip-server-check/);
    t.deepEqual(await snapshot([c.dataDir]), before);

    const skipped = await cli(['apply', bundle, '--pgdata', c.dataDir, '--skip-server-check']);
    t.is(skipped.code, 0, skipped.stderr + skipped.stdout);
    t.regex(skipped.stdout, /--skip-server-check: the server was not asked to check the files/);
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
  } finally {
    await tearDown(s);
  }
});

test('a bad line already in pg_hba.conf is named by its line in that file, not where the bundle block would push it', async (t) => {
  const s = await setUp(() => startCluster());
  try {
    const { c, bundle } = s;
    const hbaFile = join(c.dataDir, 'pg_hba.conf');
    const text = await readFile(hbaFile, 'utf8');
    await appendFile(hbaFile, 'host all all 10.0.0.0/33 scram-sha-256\n');
    const bad = text.split('\n').length;
    const before = await snapshot([c.dataDir]);
    const refused = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(refused.code, 2, refused.stdout);
    t.regex(refused.stderr, new RegExp(`${hbaFile}:${bad}: invalid CIDR mask in address "10\\.0\\.0\\.0/33"`));
    t.deepEqual(await snapshot([c.dataDir]), before, 'nothing was changed');
  } finally {
    await tearDown(s);
  }
});
