/**
 * End to end, plain initdb layout (everything in the data directory):
 * `pg-secure-setup apply` with the real CLI on a real PostgreSQL 15, then
 * what clients see; idempotence, --dry-run and rollback by checksums; and
 * bundles the server refuses, which must leave it serving the old rules.
 */
import test from 'ava';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster } from '../helpers/cluster.js';
import { aliceTls, cli, connectTcp, setUp as setUpWith, snapshot, sslIs, tearDown, withoutBackups } from './apply-helpers.js';

const setUp = (extra: string[] = []) => setUpWith(startCluster, extra);

/** Edit a bundle file the way a reviewer would. */
async function edit(path: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(path, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${path}: nothing to replace`);
  await writeFile(path, next);
}

test('apply: TLS with client certificates works, a second apply and --dry-run change nothing, rollback restores', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    const pristine = await snapshot([c.dataDir]);
    t.regex(await connectTcp(c, work, { sslmode: 'disable' }), /^f$/, 'before: plaintext with a password works');

    const dry = await cli(['apply', bundle, '--pgdata', c.dataDir, '--dry-run']);
    t.is(dry.code, 0, dry.stderr);
    t.regex(dry.stdout, new RegExp(`--- ${c.dataDir}/pg_hba.conf\tnow\n\\+\\+\\+ ${c.dataDir}/pg_hba.conf\tafter`));
    t.regex(dry.stdout, /\+hostnossl all +all +all +reject/);
    t.regex(dry.stdout, /\+include 'pg-secure-setup\.conf'/);
    t.regex(dry.stdout, /server\.key: contents none -> sha256:[0-9a-f]+ \(private: not shown\)/);
    t.notRegex(dry.stdout, /PRIVATE KEY/);
    t.regex(dry.stdout, /pg_ctl reload -D/);
    t.deepEqual(await snapshot([c.dataDir]), pristine, '--dry-run changed nothing');

    const applied = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(applied.code, 0, applied.stderr + applied.stdout);
    t.true(await sslIs(c, 'on'));
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't', 'verify-full with the client bundle');
    const plain = await connectTcp(c, work, { sslmode: 'disable' }).catch((e: Error) => e.message);
    t.regex(plain, /no encryption/, 'plaintext is refused now');
    const { sslcert: _c, sslkey: _k, ...noCert } = aliceTls(bundle);
    t.regex(await connectTcp(c, work, noCert).catch((e: Error) => e.message), /connection requires a valid client certificate/);
    const key = await stat(join(c.dataDir, 'server.key'));
    t.is(key.mode & 0o777, 0o600);
    t.is((await stat(join(c.dataDir, 'server.crt'))).mode & 0o777, 0o644);
    t.is(key.uid, (await stat(c.dataDir)).uid);
    t.notRegex(await c.readLog(), /was not reloaded/);

    const once = await snapshot([c.dataDir]);
    const again = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(again.code, 0, again.stderr);
    t.regex(again.stdout, /Nothing to change/);
    const dryAgain = await cli(['apply', bundle, '--pgdata', c.dataDir, '--dry-run']);
    t.regex(dryAgain.stdout, /Nothing to change/);
    t.deepEqual(await snapshot([c.dataDir]), once, 'a second apply changed nothing and made no backup');

    const rolled = await cli(['rollback', '--pgdata', c.dataDir]);
    t.is(rolled.code, 0, rolled.stderr);
    t.deepEqual(withoutBackups(await snapshot([c.dataDir])), withoutBackups(pristine), 'every file is as before the apply');
    t.true(await sslIs(c, 'off'));
    t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f', 'the old rules serve again');
    const list = await cli(['rollback', '--pgdata', c.dataDir, '--list']);
    t.regex(list.stdout, /rolled-back/);
    const none = await cli(['rollback', '--pgdata', c.dataDir]);
    t.is(none.code, 2);
    t.regex(none.stderr, /no apply to roll back/);
  } finally {
    await tearDown(s);
  }
});

test('a rule the server would reject (clientcert=bogus): exit 2, nothing changed, old rules still served', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    await edit(join(bundle, 'conf', 'pg_hba.conf'), 'clientcert=verify-full', 'clientcert=bogus');
    const before = await snapshot([c.dataDir]);
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(r.code, 2);
    t.regex(r.stderr, /conf\/pg_hba\.conf:\d+: invalid value for clientcert: "bogus"/);
    t.regex(r.stderr, /nothing was changed/);
    t.deepEqual(await snapshot([c.dataDir]), before);
    t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f');
  } finally {
    await tearDown(s);
  }
});

test('a setting value only the server rejects: old files restored, nothing reloaded', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    await edit(join(bundle, 'conf', 'pg-secure-setup.conf'), /ssl_min_protocol_version = '[^']*'/, "ssl_min_protocol_version = 'TLSv9'");
    const before = await snapshot([c.dataDir]);
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(r.code, 1, r.stdout);
    t.regex(r.stderr, /invalid value for parameter "ssl_min_protocol_version": "TLSv9"/);
    t.regex(r.stderr, /Restored the previous files/);
    t.deepEqual(withoutBackups(await snapshot([c.dataDir])), withoutBackups(before));
    t.is(await c.psql('SHOW ssl'), 'off');
    t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f', 'the old rules still serve');
    const list = await cli(['rollback', '--pgdata', c.dataDir, '--list']);
    t.regex(list.stdout, /restored/);
  } finally {
    await tearDown(s);
  }
});

test('SSL files the server cannot load: caught after the reload, the old configuration is back', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    await edit(join(bundle, 'conf', 'pg-secure-setup.conf'), /ssl_ciphers = '[^']*'/, "ssl_ciphers = 'NO-SUCH-CIPHER'");
    const before = await snapshot([c.dataDir]);
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(r.code, 1, r.stdout);
    t.regex(r.stderr, /does not offer TLS after the reload|still presents its old certificate/);
    t.deepEqual(withoutBackups(await snapshot([c.dataDir])), withoutBackups(before));
    t.regex(await c.readLog(), /SSL configuration was not reloaded/);
    t.true(await sslIs(c, 'off'));
    t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f');
  } finally {
    await tearDown(s);
  }
});

test('--key-owner root: the key is 0640 root:<server group> and the server loads it', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--key-owner', 'root']);
    t.is(r.code, 0, r.stderr);
    const key = await stat(join(c.dataDir, 'server.key'));
    t.is(key.mode & 0o777, 0o640);
    t.is(key.uid, 0);
    t.is(key.gid, (await stat(c.dataDir)).gid);
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
  } finally {
    await tearDown(s);
  }
});

test('found through --connect: the server names its own files, the checks go through the session', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    await c.psql("ALTER ROLE postgres PASSWORD 'admin secret'");
    const connect = `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=disable password='admin secret'`;
    const r = await cli(['apply', bundle, '--connect', connect]);
    t.is(r.code, 0, r.stderr + r.stdout);
    t.regex(r.stdout, new RegExp(`data ${c.dataDir}, config ${c.dataDir}/postgresql\\.conf`));
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
  } finally {
    await tearDown(s);
  }
});

test('a stopped server: the files are written and checked with postgres -C; the next start serves TLS', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    await c.pgCtl('-m', 'fast', '-w', 'stop');
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /not running: the new configuration takes effect when it starts/);
    t.regex(r.stdout, /Note: could not check which roles can still log in after the change \(the server is not running\)/, 'what could not be checked is said');
    t.notRegex(r.stdout, /Reloaded/);
    await c.start();
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
  } finally {
    await tearDown(s);
  }
});
