/** apply and rollback with bad input: a clear message, exit 2, nothing changed. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { appendFile, copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, runCli } from '../helpers/cli.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cli, makeBundle, snapshot } from '../e2e/apply-helpers.js';

const run = promisify(execFile);

test('usage errors before anything is read', async (t) => {
  const cases: [string[], RegExp][] = [
    [['apply'], /apply takes one bundle directory/],
    [['apply', 'a', 'b'], /apply takes one bundle directory/],
    [['apply', '/nonexistent/bundle', '--pgdata', '/nonexistent'], /\/nonexistent\/bundle is not a pg-secure-setup bundle \(missing answers\.json, conf\/pg_hba\.conf, conf\/pg-secure-setup\.conf\)/],
    [['apply', '.', '--key-owner', 'nobody'], /--key-owner must be server or root/],
    [['apply', '.', '--restart-mode', 'immediate'], /--restart-mode immediate is not offered: [^]*forces crash recovery on the next start \(18\.5\)/],
    [['apply', '.', '--restart-mode', 'slow'], /--restart-mode must be smart or fast, not "slow"/],
    [['apply', '.', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['rollback', 'extra'], /Unexpected argument|positional/i],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, message);
    t.is(r.stdout, '');
  }
  const help = await runCli(['apply', '--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /Usage: pg-secure-setup apply BUNDLE_DIR/);
  t.regex((await runCli(['--help'])).stdout, /apply +install a bundle[^]*rollback +undo the last apply/);
});

const server = test.macro({
  async exec(t, prepare: (s: { c: Cluster; bundle: string }) => Promise<string[]>, message: RegExp) {
    const [{ work, bundle }, c] = await Promise.all([makeBundle(), startCluster()]);
    try {
      const before = await snapshot([c.dataDir]);
      const args = await prepare({ c, bundle });
      const r = await cli(args);
      t.is(r.code, 2, r.stdout);
      t.regex(r.stderr, message);
      t.deepEqual(await snapshot([c.dataDir]), before, 'nothing changed');
      t.is(await c.psql('SHOW ssl'), 'off');
    } finally {
      await c.stop();
      await rm(work, { recursive: true, force: true });
    }
  },
  title: (given) => `bad input, nothing changed: ${given}`,
});

test('a bundle for another major version', server, async ({ c, bundle }) => {
  const other = await mkdtemp(join(tmpdir(), 'pgss-v16-'));
  const gen = await runCli(['generate', '--out', join(other, 'b'), '--pg-version', '16', '--host', 'localhost', '-q', '--pki', 'self-signed', '--client-certs', 'none']);
  if (gen.code !== 0) throw new Error(gen.stderr);
  void bundle;
  return ['apply', join(other, 'b'), '--pgdata', c.dataDir];
}, /the bundle is for PostgreSQL 16, but .* belongs to PostgreSQL 15/);

test('not a data directory', server, async ({ c, bundle }) => ['apply', bundle, '--pgdata', c.socketDir], /no postgresql\.conf in it|not a PostgreSQL data directory/);

test('a server key that does not belong to the certificate', server, async ({ c, bundle }) => {
  await copyFile(join(bundle, 'clients', 'alice', 'postgresql.key'), join(bundle, 'server', 'server.key'));
  return ['apply', bundle, '--pgdata', c.dataDir];
}, /server\/server\.key: does not belong to server\/server\.crt/);

test('a bundle whose ssl_crl_file points outside the data directory', server, async ({ c, bundle }) => {
  await appendFile(join(bundle, 'conf', 'pg-secure-setup.conf'), "ssl_crl_file = '/etc/pgss-root.crl'\n");
  return ['apply', bundle, '--pgdata', c.dataDir];
}, /conf\/pg-secure-setup\.conf:\d+: ssl_crl_file = '\/etc\/pgss-root\.crl' is outside the data directory/);

test('a bundle with a trust rule', server, async ({ c, bundle }) => {
  await appendFile(join(bundle, 'conf', 'pg_hba.conf'), 'host all all all trust\n');
  return ['apply', bundle, '--pgdata', c.dataDir];
}, /conf\/pg_hba\.conf:\d+: "host all all all trust": a bundle makes only [^\n]*--allow-edited-rules/);

test('a bundle whose server key is a symlink to a root-only file', server, async ({ c, bundle }) => {
  const key = join(bundle, 'server', 'server.key');
  await rm(key);
  await symlink('/etc/shadow', key);
  return ['apply', bundle, '--pgdata', c.dataDir];
}, /server\/server\.key: is a symbolic link/);

test('a bundle with an ssl_passphrase_command nobody vouched for', server, async ({ c, bundle }) => {
  await appendFile(join(bundle, 'conf', 'pg-secure-setup.conf'), "ssl_passphrase_command = 'touch /tmp/pgss-owned'\n");
  return ['apply', bundle, '--pgdata', c.dataDir];
}, /ssl_passphrase_command = 'touch \/tmp\/pgss-owned' runs a command at every server start/);

test('--allow-edited-rules installs an edited rule as it stands', async (t) => {
  const [{ work, bundle }, c] = await Promise.all([makeBundle(), startCluster()]);
  try {
    await appendFile(join(bundle, 'conf', 'pg_hba.conf'), 'hostssl all all 10.9.0.0/16 password\n');
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--allow-edited-rules']);
    t.is(r.code, 0, r.stderr);
    t.is(await c.psql("SELECT count(*) FROM pg_hba_file_rules WHERE address = '10.9.0.0' AND auth_method = 'password'"), '1');
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
});

test('a rollback of a backup that does not exist', server, async ({ c }) => ['rollback', '--pgdata', c.dataDir, '--backup', '20990101T000000.000Z'], /no backup "20990101T000000\.000Z"/);

test('bad input, nothing changed: no write access (run as nobody)', async (t) => {
  const [{ work, bundle }, c] = await Promise.all([makeBundle(), startCluster()]);
  try {
    await run('chmod', ['-R', 'a+rX', bundle]); // nobody may read the bundle, but not the server's files
    const before = await snapshot([c.dataDir]);
    const r = await run('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'apply', bundle, '--pgdata', c.dataDir], { env: { ...process.env, NO_COLOR: '1' } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    t.is(r.code, 2);
    t.regex(r.stderr, /permission denied: run as root or as the owner of the data directory|run this as root or as the server's OS user/);
    t.deepEqual(await snapshot([c.dataDir]), before);
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
});
