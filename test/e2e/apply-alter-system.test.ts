/**
 * End to end, `apply --alter-system` with the real CLI on real PostgreSQL 15:
 * the settings go into postgresql.auto.conf by ALTER SYSTEM (postgresql.conf
 * untouched), a verify-full client connects; idempotence, --dry-run and
 * rollback by checksums; a value ALTER SYSTEM refuses, no connection and no
 * superuser leave everything as it was.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { autoConfAfter, confSettings } from '../../src/pg/conf.js';
import { listBackups } from '../../src/apply/backup.js';
import { stateDirFor } from '../../src/apply/state-dir.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startDebianCluster } from '../helpers/debian-cluster.js';
import { aliceTls, cli, connectTcp, setUp, snapshot, sslIs, tearDown, withoutBackups } from './apply-helpers.js';

const autoConf = (c: Cluster) => join(c.dataDir, 'postgresql.auto.conf');

/** A superuser connection over TCP, as --connect takes it. */
async function adminConnect(c: Cluster): Promise<string> {
  await c.psql("ALTER ROLE postgres PASSWORD 'admin secret'");
  return `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=disable password='admin secret'`;
}

async function bundleSettings(bundle: string): Promise<{ name: string; value: string }[]> {
  const text = await readFile(join(bundle, 'conf', 'pg-secure-setup.conf'), 'utf8');
  return [...confSettings(text).values()].map((e) => ({ name: e.name, value: e.value }));
}

test('apply --alter-system: settings in postgresql.auto.conf, verify-full connects; again, --dry-run change nothing; rollback restores', async (t) => {
  const s = await setUp(() => startCluster());
  try {
    const { c, bundle, work } = s;
    const pristine = await snapshot([c.dataDir]);
    const mainConf = await readFile(join(c.dataDir, 'postgresql.conf'));
    const autoBefore = await readFile(autoConf(c));

    const dry = await cli(['apply', bundle, '--pgdata', c.dataDir, '--alter-system', '--dry-run']);
    t.is(dry.code, 0, dry.stderr);
    t.regex(dry.stdout, /^ {2}\[SQL\] ALTER SYSTEM SET ssl = 'on';$/m);
    t.regex(dry.stdout, /^ {2}\[SQL\] ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1\.2';$/m);
    t.regex(dry.stdout, new RegExp(`cp ${c.dataDir}/postgresql\\.auto\\.conf '${stateDirFor(c.dataDir)}/backups/<timestamp>/files`), 'backed up first, outside the data directory');
    t.regex(dry.stdout, new RegExp(`--- ${c.dataDir}/pg_hba\\.conf\tnow`), 'the other files still show as diffs');
    t.notRegex(dry.stdout, /include 'pg-secure-setup\.conf'|pg-secure-setup\.conf: new file/);
    t.deepEqual(await snapshot([c.dataDir]), pristine, '--dry-run changed nothing');

    const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--alter-system']);
    t.is(r.code, 0, r.stderr + r.stdout);
    t.regex(r.stdout, /^ {2}ALTER SYSTEM SET password_encryption = 'scram-sha-256'$/m);
    t.true(await sslIs(c, 'on'));
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't', 'verify-full with the client bundle');
    t.regex(await connectTcp(c, work, { sslmode: 'disable' }).catch((e: Error) => e.message), /no encryption/);
    t.is(await c.psql("SELECT sourcefile FROM pg_settings WHERE name = 'ssl_min_protocol_version'"), autoConf(c));

    const autoAfter = await readFile(autoConf(c), 'utf8');
    t.is(autoAfter, autoConfAfter(autoBefore.toString('utf8'), await bundleSettings(bundle)), 'the file is as the plan predicted it');
    t.regex(autoAfter, /^ssl_crl_file = 'root\.crl'$/m);
    t.deepEqual(await readFile(join(c.dataDir, 'postgresql.conf')), mainConf, 'postgresql.conf is unchanged');
    t.false(existsSync(join(c.dataDir, 'pg-secure-setup.conf')), 'no settings file of ours');
    const [backup] = listBackups(stateDirFor(c.dataDir));
    t.like(backup!.manifest.files.find((f) => f.path === autoConf(c)), { role: 'auto-conf', backup: `files/${backup!.manifest.files.findIndex((f) => f.role === 'auto-conf') + 1}-postgresql.auto.conf` });
    t.is(backup!.manifest.status, 'applied');

    const once = await snapshot([c.dataDir]);
    const again = await cli(['apply', bundle, '--pgdata', c.dataDir, '--alter-system']);
    t.is(again.code, 0, again.stderr);
    t.regex(again.stdout, /Nothing to change/);
    t.notRegex(again.stdout, /ALTER SYSTEM/);
    const dryAgain = await cli(['apply', bundle, '--pgdata', c.dataDir, '--alter-system', '--dry-run']);
    t.regex(dryAgain.stdout, /Nothing to change/);
    t.deepEqual(await snapshot([c.dataDir]), once, 'a second apply changed nothing and made no backup');

    const rolled = await cli(['rollback', '--pgdata', c.dataDir]);
    t.is(rolled.code, 0, rolled.stderr);
    t.deepEqual(await readFile(autoConf(c)), autoBefore, 'postgresql.auto.conf is back byte for byte');
    t.deepEqual(withoutBackups(await snapshot([c.dataDir])), withoutBackups(pristine), 'every file is as before the apply');
    t.true(await sslIs(c, 'off'));
    t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f', 'the old rules serve again');
  } finally {
    await tearDown(s);
  }
});

const refused = test.macro({
  async exec(t, how: 'socket' | 'connect') {
    const s = await setUp(() => startCluster());
    try {
      const { c, bundle, work } = s;
      const settings = join(bundle, 'conf', 'pg-secure-setup.conf');
      await writeFile(settings, (await readFile(settings, 'utf8')).replace(/ssl_min_protocol_version = '[^']*'/, "ssl_min_protocol_version = 'TLSv9'"));
      const where = how === 'socket' ? ['--pgdata', c.dataDir] : ['--connect', await adminConnect(c)];
      const before = await snapshot([c.dataDir]);
      const r = await cli(['apply', bundle, ...where, '--alter-system']);
      t.is(r.code, 1, r.stdout + r.stderr);
      t.regex(r.stdout, /ALTER SYSTEM SET ssl = 'on'/, 'settings before the bad one were set, then undone');
      t.regex(r.stderr, /ssl_min_protocol_version: ALTER SYSTEM refused it: invalid value for parameter "ssl_min_protocol_version": "TLSv9"/);
      t.regex(r.stderr, /Restored the previous files/);
      t.regex(r.stderr, /nothing was reloaded/);
      t.deepEqual(withoutBackups(await snapshot([c.dataDir])), withoutBackups(before), 'postgresql.auto.conf and every other file as before');
      t.is(await c.psql('SHOW ssl'), 'off');
      t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f', 'the old rules still serve');
      t.regex((await cli(['rollback', '--pgdata', c.dataDir, '--list'])).stdout, /restored/);
    } finally {
      await tearDown(s);
    }
  },
  title: (_, how: string) => `a value ALTER SYSTEM refuses (TLSv9), through ${how === 'socket' ? 'the server socket' : '--connect'}: its message, everything restored, nothing reloaded`,
});
test(refused, 'socket');
test(refused, 'connect');

test('--alter-system without a connection (server stopped) or as a role that is not a superuser: exit 2, nothing changed', async (t) => {
  const s = await setUp(() => startCluster());
  try {
    const { c, bundle } = s;
    await c.psql("CREATE ROLE bob LOGIN PASSWORD 'bob secret' IN ROLE pg_read_all_settings");
    const before = await snapshot([c.dataDir]);
    const bob = await cli(['apply', bundle, '--alter-system', '--connect', `host=127.0.0.1 port=${c.port} user=bob dbname=postgres sslmode=disable password='bob secret'`]);
    t.is(bob.code, 2, bob.stdout + bob.stderr);
    t.regex(bob.stderr, /--alter-system needs a superuser, and "bob" \(the --connect session\) is not one/);
    t.deepEqual(await snapshot([c.dataDir]), before);

    await c.pgCtl('-m', 'fast', '-w', 'stop');
    const stopped = await snapshot([c.dataDir]);
    for (const extra of [[], ['--dry-run']]) {
      const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--alter-system', ...extra]);
      t.is(r.code, 2, r.stdout + r.stderr);
      t.regex(r.stderr, /--alter-system needs a connection to the running server .*is not running/);
      t.regex(r.stderr, /Nothing was changed/);
    }
    t.deepEqual(await snapshot([c.dataDir]), stopped);
  } finally {
    await tearDown(s);
  }
});

test('Debian layout through --connect: postgresql.auto.conf in the data directory, the configuration directory keeps its settings', async (t) => {
  const s = await setUp(() => startDebianCluster());
  try {
    const { c, bundle, work } = s;
    const confBefore = await snapshot([c.confD]);
    const mainConf = await readFile(join(c.configDir, 'postgresql.conf'));
    const r = await cli(['apply', bundle, '--connect', await adminConnect(c), '--alter-system']);
    t.is(r.code, 0, r.stderr + r.stdout);
    t.regex(r.stdout, new RegExp(`The settings go into ${c.dataDir}/postgresql\\.auto\\.conf by ALTER SYSTEM, through the --connect session`));
    t.deepEqual(await snapshot([c.confD]), confBefore, 'nothing in conf.d');
    t.deepEqual(await readFile(join(c.configDir, 'postgresql.conf')), mainConf);
    t.regex(await readFile(autoConf(c), 'utf8'), /^ssl = 'on'$/m);
    t.true(await sslIs(c, 'on'));
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');

    const again = await cli(['apply', bundle, '--config-dir', c.configDir, '--alter-system']);
    t.is(again.code, 0, again.stderr);
    t.regex(again.stdout, /Nothing to change/);
  } finally {
    await tearDown(s);
  }
});
