/**
 * A passphrase-protected key with ssl_passphrase_command and no
 * ssl_passphrase_command_supports_reload loads only at server start
 * (19.3.3): apply must not change anything until the restart is agreed,
 * and then restart with pg_ctl restart -m fast (18.5).
 */
import test from 'ava';
import { createPrivateKey } from 'node:crypto';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster } from '../helpers/cluster.js';
import { addAlice, aliceTls, cli, connectTcp, makeBundle, snapshot } from './apply-helpers.js';

/** Edit the bundle as a user would: its server key under the passphrase "open sesame", and a command that prints it. */
async function lockKey(bundle: string): Promise<void> {
  const key = join(bundle, 'server', 'server.key');
  const pem = createPrivateKey(await readFile(key)).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' });
  await writeFile(key, pem, { mode: 0o600 });
  await appendFile(join(bundle, 'conf', 'pg-secure-setup.conf'), "ssl_passphrase_command = 'echo \"open sesame\"'\n");
}

test('a passphrase-protected key: exit 2 without --yes, a fast restart with it, and TLS works', async (t) => {
  const [{ work, bundle }, c] = await Promise.all([makeBundle(), startCluster()]);
  try {
    await addAlice(c);
    await lockKey(bundle);

    const before = await snapshot([c.dataDir]);
    // The command runs at every server start: apply installs it only when told the same command.
    const vouched = ['--passphrase-command', 'echo "open sesame"'];
    const dry = await cli(['apply', bundle, '--pgdata', c.dataDir, '--dry-run', ...vouched]);
    t.regex(dry.stdout, /pg_ctl restart -m fast/);
    const refused = await cli(['apply', bundle, '--pgdata', c.dataDir, ...vouched]);
    t.is(refused.code, 2, refused.stdout);
    t.regex(refused.stderr, /must restart[^]*passphrase-protected[^]*--yes/);
    t.deepEqual(await snapshot([c.dataDir]), before, 'nothing changed without agreement');

    const pid = await c.psql('SELECT pg_postmaster_start_time()');
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--yes', ...vouched]);
    t.is(r.code, 0, r.stderr + r.stdout);
    t.regex(r.stdout, /Restarted the server \(pg_ctl restart -m fast\)/);
    t.not(await c.psql('SELECT pg_postmaster_start_time()'), pid, 'the postmaster was restarted');
    t.is(await c.psql('SHOW ssl'), 'on');
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
});

test('--restart-mode smart: the modes are explained, the server restarts with smart and serves TLS', async (t) => {
  const [{ work, bundle }, c] = await Promise.all([makeBundle(), startCluster()]);
  try {
    await addAlice(c);
    await lockKey(bundle);
    const vouched = ['--passphrase-command', 'echo "open sesame"', '--restart-mode', 'smart'];
    const dry = await cli(['apply', bundle, '--pgdata', c.dataDir, '--dry-run', ...vouched]);
    t.regex(dry.stdout, /pg_ctl restart -m smart/);
    const started = await c.psql('SELECT pg_postmaster_start_time()');
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--yes', ...vouched]);
    t.is(r.code, 0, r.stderr + r.stdout);
    t.regex(r.stdout, /\* smart +waits until every client has disconnected[^]*immediate[^]*never uses it/);
    t.regex(r.stdout, /Restarted the server \(pg_ctl restart -m smart\)/);
    t.not(await c.psql('SELECT pg_postmaster_start_time()'), started, 'the postmaster was restarted');
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
});
