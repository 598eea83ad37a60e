/** The checks before a reload, asked of a real PostgreSQL 15 about files it has not loaded. */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSettings, checkWithServer, presentedCertificate } from '../../src/apply/check.js';
import { socketSql } from '../../src/apply/sql.js';
import { locateServer } from '../../src/apply/locate.js';
import { startCluster } from '../helpers/cluster.js';

test('pg_hba_file_rules: an invalid clientcert (all-NULL row) and a bad mask are reported with line and text; "SSL is disabled" is not an error', async (t) => {
  const c = await startCluster();
  try {
    const hbaFile = join(c.dataDir, 'pg_hba.conf');
    const old = await readFile(hbaFile, 'utf8');
    const hbaText = `${old}hostssl all all all scram-sha-256 clientcert=bogus\nhost all all 10.0.0.0/40 scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n`;
    await c.writeDataFile('pg_hba.conf', hbaText);
    const n = old.split('\n').length - 1;
    const sql = socketSql(await locateServer({ version: 15, pgdata: c.dataDir }))!;
    const r = await checkWithServer(sql, { hbaFile, hbaText, ownFiles: [], sslTurnsOn: true });
    t.is(r.unavailable, undefined);
    t.deepEqual(r.problems.map((p) => p.where), [`${hbaFile}:${n + 1}`, `${hbaFile}:${n + 2}`]);
    t.regex(r.problems[0]!.message, /^the server cannot use this line: invalid value for clientcert: "bogus"\n {4}hostssl all all all scram-sha-256 clientcert=bogus$/);
    t.regex(r.problems[1]!.message, /invalid CIDR mask in address "10\.0\.0\.0\/40"/);
    t.deepEqual(r.notes, [], 'hostssl lines are fine once the new ssl = on is loaded');
    const off = await checkWithServer(sql, { hbaFile, hbaText, ownFiles: [], sslTurnsOn: false });
    t.true(off.notes.some((x) => /:\d+: hostssl record cannot match because SSL is disabled/.test(x)));
    t.is(off.problems.length, 2);
    t.is(await c.psql('SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL'), '3', 'the server itself still runs the old rules');
  } finally {
    await c.stop();
  }
});

test('a line the server rejects is named by its number in the file as it was, which a failed check puts back', async (t) => {
  const c = await startCluster();
  try {
    const hbaFile = join(c.dataDir, 'pg_hba.conf');
    const before = `${await readFile(hbaFile, 'utf8')}host all all 10.0.0.0/40 scram-sha-256\n`;
    const bad = before.split('\n').length - 1;
    // Ten lines inserted at the top, as an apply's block would be.
    const hbaText = `${Array.from({ length: 10 }, (_, i) => `# added ${i}`).join('\n')}\n${before}`;
    await c.writeDataFile('pg_hba.conf', hbaText);
    const sql = socketSql(await locateServer({ version: 15, pgdata: c.dataDir }))!;
    const r = await checkWithServer(sql, { hbaFile, hbaText, hbaBefore: before, ownFiles: [], sslTurnsOn: false });
    t.deepEqual(r.problems.map((p) => p.where), [`${hbaFile}:${bad}`]);
    const fresh = await checkWithServer(sql, { hbaFile, hbaText, ownFiles: [], sslTurnsOn: false });
    t.deepEqual(fresh.problems.map((p) => p.where), [`${hbaFile}:${bad + 10}`], 'without the old text: the line on disk');
  } finally {
    await c.stop();
  }
});

test('postgres -C: a value the server rejects, and one a later line overrides', async (t) => {
  const c = await startCluster();
  try {
    await c.appendConf("password_encryption = 'scram-sha-256'\nssl_min_protocol_version = 'TLSv1.3'");
    const server = await locateServer({ version: 15, pgdata: c.dataDir });
    const good = await checkSettings(server, [{ name: 'password_encryption', value: 'scram-sha-256' }]);
    t.deepEqual(good, []);
    const overridden = await checkSettings(server, [{ name: 'ssl_min_protocol_version', value: 'TLSv1.2' }]);
    t.regex(overridden[0]!.message, /would use "TLSv1\.3", not "TLSv1\.2"/);
    await c.appendConf("ssl_min_protocol_version = 'TLSv9'");
    const bad = await checkSettings(server, [{ name: 'ssl', value: 'on' }]);
    t.is(bad.length, 1, 'reported once, not once per setting');
    t.regex(bad[0]!.message, /invalid value for parameter "ssl_min_protocol_version": "TLSv9"/);
  } finally {
    await c.stop();
  }
});

test('a server without TLS answers the SSLRequest with N: no certificate', async (t) => {
  const c = await startCluster();
  try {
    t.is(await presentedCertificate('127.0.0.1', c.port), undefined);
  } finally {
    await c.stop();
  }
});
