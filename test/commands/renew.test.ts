/**
 * `renew` end to end on PostgreSQL 15: a new server certificate from the
 * same CA, installed by apply with a reload. A session opened before stays
 * open, and clients keep their old files.
 */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { runCli } from '../helpers/cli.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { aliceTls, cli, connectTcp, makeBundle, PASSWORD, setUp, snapshot, tearDown } from '../e2e/apply-helpers.js';

const DAY = 24 * 60 * 60 * 1000;

/** node-postgres with alice's old files; also returns the serial of the certificate the server sent. */
async function openAlice(c: Cluster, bundle: string): Promise<{ client: pg.Client; serverSerial: string }> {
  const dir = join(bundle, 'clients', 'alice');
  const [ca, cert, key] = await Promise.all(['root.crt', 'postgresql.crt', 'postgresql.key'].map((f) => readFile(join(dir, f), 'utf8')));
  const client = new pg.Client({ host: 'localhost', port: c.port, user: 'alice', database: 'postgres', password: PASSWORD, ssl: { ca, cert, key } });
  await client.connect();
  const stream = (client as unknown as { connection: { stream: { getPeerCertificate(): { serialNumber: string } } } }).connection.stream;
  return { client, serverSerial: stream.getPeerCertificate().serialNumber.toLowerCase() };
}

test.serial('renew + apply: the open session goes on, old client files still verify-full, new names and dates as asked', async (t) => {
  const s = await setUp(startCluster, ['--pki', 'ca-intermediate']);
  let session: pg.Client | undefined;
  try {
    const { c, bundle, work } = s;
    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    const before = await openAlice(c, bundle);
    session = before.client;
    const pid = (await session.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const started = await c.psql('SELECT pg_postmaster_start_time()');
    const keyBefore = await readFile(join(bundle, 'server', 'server.key'), 'utf8');

    const r = await runCli(['renew', bundle, '--days', '10', '--host', 'localhost', '--host', '127.0.0.1', '--host', 'db.test']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /Renewed the server certificate for localhost, 127\.0\.0\.1, db\.test \(serial [0-9a-f]+, until \d{4}-\d\d-\d\d, same key\)/);
    const leaf = new X509Certificate(await readFile(join(bundle, 'server', 'server.crt')));
    t.is(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, DNS:db.test');
    t.true(Math.abs(Date.parse(leaf.validTo) - (Date.now() + 10 * DAY)) < 2 * 60 * 1000, `ends in 10 days: ${leaf.validTo}`);
    t.is(await readFile(join(bundle, 'server', 'server.key'), 'utf8'), keyBefore, 'the key is kept without --new-key');
    t.deepEqual(JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')).hosts, ['localhost', '127.0.0.1', 'db.test']);

    const applied = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(applied.code, 0, applied.stderr + applied.stdout);
    t.is(await c.psql('SELECT pg_postmaster_start_time()'), started, 'a reload, not a restart');
    t.is((await session.query('SELECT pg_backend_pid() AS pid')).rows[0].pid, pid, 'the session opened before is still open');

    const after = await openAlice(c, bundle);
    await after.client.end();
    t.is(after.serverSerial, leaf.serialNumber.toLowerCase(), 'new connections get the new certificate');
    t.not(after.serverSerial, before.serverSerial);
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't', 'libpq verify-full with the old client files');

    const fresh = await runCli(['renew', bundle, '--new-key']);
    t.is(fresh.code, 0, fresh.stderr);
    t.not(await readFile(join(bundle, 'server', 'server.key'), 'utf8'), keyBefore, '--new-key makes a new key');
    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't', 'and clients still connect');
  } finally {
    await session?.end().catch(() => undefined);
    await tearDown(s);
  }
});

test.serial('renew refuses bad input with exit 2 and leaves the bundle as it was', async (t) => {
  const { bundle, work } = await makeBundle();
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const before = await snapshot([bundle, join(bundle, 'server')]);
  const bad = await runCli(['renew', bundle, '--host', 'not a host!']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /hosts: .*not a host!/);
  const mixed = await runCli(['renew', bundle, '--crl', '--days', '5']);
  t.is(mixed.code, 2);
  t.regex(mixed.stderr, /renew --crl re-signs the CRLs only/);
  const notBundle = await runCli(['renew', join(bundle, 'server')]);
  t.is(notBundle.code, 2);
  t.regex(notBundle.stderr, /not a bundle \(no answers\.json\)/);
  t.deepEqual(await snapshot([bundle, join(bundle, 'server')]), before);
});
