/**
 * `revoke` and `renew --crl` end to end on PostgreSQL 15, installed with the
 * project's own apply: the revoked client is refused with the server's
 * revocation alert while another still connects; a lapsed CRL locks every
 * client out until it is re-signed, and status says so first.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signCrl } from '../../src/pki/index.js';
import { runCli } from '../helpers/cli.js';
import { startCluster } from '../helpers/cluster.js';
import { aliceTls, cli, connectTcp, PASSWORD, setUp, tearDown } from '../e2e/apply-helpers.js';

const run = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;

function tlsIn(dir: string, user: string): Record<string, string> {
  return { user, sslmode: 'verify-full', sslrootcert: join(dir, 'root.crt'), sslcert: join(dir, 'postgresql.crt'), sslkey: join(dir, 'postgresql.key') };
}

const refusal = (p: Promise<string>) => p.then((out) => `connected: ${out}`, (e: Error) => e.message);

test.serial('a revoked client is refused after apply, another still connects, the CRL verifies with openssl', async (t) => {
  const s = await setUp(startCluster, ['--pki', 'ca-intermediate', '--client-user', 'bob']);
  try {
    const { c, bundle, work } = s;
    await c.psql(`CREATE ROLE bob LOGIN PASSWORD '${PASSWORD}'`);
    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    t.is(await connectTcp(c, work, tlsIn(join(bundle, 'clients', 'bob'), 'bob')), 't', 'bob connects before');

    const r = await runCli(['revoke', bundle, '--client-user', 'bob']);
    t.is(r.code, 0, r.stderr);
    const serial = /Revoked serial ([0-9a-f]+) \(bob; files moved to (revoked\/bob-[0-9a-f]+\/)\)/.exec(r.stdout);
    t.truthy(serial, r.stdout);
    t.false((await readdir(join(bundle, 'clients'))).includes('bob'));
    const bobFiles = join(bundle, serial![2]!);
    t.deepEqual((await readdir(bobFiles)).sort(), ['postgresql.crt', 'postgresql.key', 'postgresql.pk8', 'root.crt']);
    t.deepEqual(JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')).clientUsers, ['alice']);

    // The intermediate signed bob: its CRL (the second block) lists him and verifies against it.
    const crls = (await readFile(join(bundle, 'server', 'root.crl'), 'utf8')).split(/(?<=-----END X509 CRL-----\n)/);
    t.is(crls.length, 2);
    await writeFile(join(work, 'inter.crl'), crls[1]!);
    const text = await run('openssl', ['crl', '-in', join(work, 'inter.crl'), '-CAfile', join(bundle, 'ca', 'intermediate.crt'), '-noout', '-text', '-verify']);
    t.regex(text.stderr + text.stdout, /verify OK/);
    t.regex(text.stdout, new RegExp(`Serial Number: ${serial![1]!.toUpperCase()}`));

    const status = await runCli(['status', bundle]);
    t.is(status.code, 0, status.stdout);
    t.regex(status.stdout, /PostgreSQL Intermediate CA for localhost: number \d+, next update .*, 1 revoked/);

    const applied = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(applied.code, 0, applied.stderr + applied.stdout);
    t.regex(await refusal(connectTcp(c, work, tlsIn(bobFiles, 'bob'))), /sslv3 alert certificate revoked/);
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't', 'alice still connects');

    const again = await runCli(['revoke', bundle, '--serial', serial![1]!]);
    t.is(again.code, 2);
    t.regex(again.stderr, /is already revoked; nothing to do/);
  } finally {
    await tearDown(s);
  }
});

test.serial('a lapsed CRL: status and audit fail loudly, the server refuses everyone, renew --crl and apply bring clients back', async (t) => {
  const s = await setUp(startCluster);
  try {
    const { c, bundle, work } = s;
    const ca = { certPem: await readFile(join(bundle, 'ca', 'root.crt'), 'utf8'), keyPem: await readFile(join(bundle, 'ca', 'root.key'), 'utf8') };
    const now = Date.now();
    await writeFile(join(bundle, 'server', 'root.crl'), signCrl(ca, { thisUpdate: new Date(now - 10 * DAY), nextUpdate: new Date(now - DAY), crlNumber: 1 }));

    const status = await runCli(['status', bundle]);
    t.is(status.code, 1, status.stdout);
    t.regex(status.stdout, /the CRL of "PostgreSQL Root CA for localhost" lapsed on \d{4}-\d\d-\d\d: OpenSSL now refuses every client certificate; re-sign it with pg-secure-setup renew BUNDLE --crl/);

    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    // OpenSSL reports a CRL past its next update as an expired certificate.
    t.regex(await refusal(connectTcp(c, work, aliceTls(bundle))), /SSL error: sslv3 alert certificate expired/, 'alice is locked out by the lapsed CRL');

    const audit = await runCli(['audit', '--pgdata', c.dataDir]);
    t.is(audit.code, 1, audit.stdout);
    t.regex(audit.stdout, /A CRL is past its next update: the server refuses every client certificate of its CA/);
    t.regex(audit.stdout, /pg-secure-setup renew BUNDLE --crl/);

    const renewed = await runCli(['renew', bundle, '--crl']);
    t.is(renewed.code, 0, renewed.stderr);
    const after = await runCli(['status', bundle, '--json']);
    t.is(after.code, 0, after.stdout);
    const report = JSON.parse(after.stdout) as { crls: { crlNumber: string; daysLeft: number }[] };
    t.true(BigInt(report.crls[0]!.crlNumber) > 1n, 'a larger CRL number');
    t.true(report.crls[0]!.daysLeft > 365);
    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't', 'alice connects again');
    t.notRegex((await runCli(['audit', '--pgdata', c.dataDir])).stdout, /CRL/);
  } finally {
    await tearDown(s);
  }
});
