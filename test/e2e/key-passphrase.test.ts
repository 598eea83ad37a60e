/**
 * A passphrase-protected server key (18.9.1, 19.3.3): generate encrypts
 * server.key with a passphrase it never saves; the server unlocks it through
 * ssl_passphrase_command at start and at reload; a command that prints the
 * wrong passphrase makes apply put the old files back.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { startCluster } from '../helpers/cluster.js';
import { addAlice, aliceTls, cli, connectTcp, snapshot } from './apply-helpers.js';

const run = promisify(execFile);
const PASSPHRASE = 'cellar door 4096';

/** A directory the server's user can read, holding a passphrase file only it may read. */
async function passFile(work: string, text: string): Promise<string> {
  const file = join(work, 'pass.txt');
  await writeFile(file, `${text}\n`, { mode: 0o400 });
  const { stdout } = await run('id', ['-u', 'postgres']);
  await chown(file, Number(stdout.trim()), 0).catch(() => undefined);
  return file;
}

async function generateProtected(work: string, command: string): Promise<string> {
  const bundle = join(work, 'bundle');
  const args = ['generate', '--out', bundle, '--pg-version', '15', '--host', 'localhost', '--host', '127.0.0.1', '--network', '127.0.0.1/32', '--pki', 'ca', '--client-certs', 'verify-full', '--client-user', 'alice', '-q'];
  const gen = await runCli([...args, '--server-key-passphrase-command', command, '--server-key-passphrase-stdin'], { input: `${PASSPHRASE}\n` });
  if (gen.code !== 0) throw new Error(gen.stderr);
  return bundle;
}

async function workDir(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'pgss-keypass-'));
  await chmod(work, 0o755);
  return work;
}

async function openssl(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run('openssl', args);
    return { code: 0, stderr: '' };
  } catch (err) {
    return { code: (err as { code: number }).code, stderr: String((err as { stderr?: string }).stderr) };
  }
}

test('the key is encrypted, the passphrase is in no file of the bundle, and openssl needs it', async (t) => {
  const work = await workDir();
  try {
    const bundle = await generateProtected(work, `cat ${join(work, 'pass.txt')}`);
    const key = join(bundle, 'server', 'server.key');
    t.regex(await readFile(key, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const none = await openssl(['pkey', '-in', key, '-noout', '-passin', 'pass:']);
    t.not(none.code, 0);
    t.regex(none.stderr, /bad decrypt|maybe wrong password/);
    t.not((await openssl(['pkey', '-in', key, '-noout', '-passin', 'pass:wrong guess'])).code, 0);
    t.is((await openssl(['pkey', '-in', key, '-noout', '-passin', `pass:${PASSPHRASE}`])).code, 0);
    const { stdout: algo } = await run('openssl', ['asn1parse', '-in', key]);
    t.regex(algo, /aes-256-cbc/, 'AES-256');
    const files = (await readdir(bundle, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    for (const f of files) t.false((await readFile(join(f.parentPath, f.name), 'utf8')).includes(PASSPHRASE), `${f.name} holds no passphrase`);
    const conf = await readFile(join(bundle, 'conf', 'pg-secure-setup.conf'), 'utf8');
    t.regex(conf, /^ssl_passphrase_command = 'cat [^']*pass\.txt'/m);
    t.regex(conf, /^ssl_passphrase_command_supports_reload = on/m);
    t.regex(await readFile(join(bundle, 'README.md'), 'utf8'), /only as well\s+as that command's source/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('the server unlocks the key through ssl_passphrase_command at reload and at restart', async (t) => {
  const work = await workDir();
  const c = await startCluster();
  try {
    await addAlice(c);
    const command = `cat ${await passFile(work, PASSPHRASE)}`;
    const bundle = await generateProtected(work, command);
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--passphrase-command', command]);
    t.is(r.code, 0, r.stderr + r.stdout);
    t.regex(r.stdout, /Reloaded the server configuration/, 'supports_reload on: no restart');
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
    t.is(await c.psql('SHOW ssl_passphrase_command_supports_reload'), 'on');
    await c.pgCtl('-m', 'fast', '-w', 'restart', '-l', c.logFile);
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't', 'a fresh start unlocks the key too');
    t.notRegex(await c.readLog(), /could not load private key/);
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
});

test('a command that prints the wrong passphrase: apply restores the old files and the server stays as it was', async (t) => {
  const work = await workDir();
  const c = await startCluster();
  try {
    const command = `cat ${await passFile(work, 'not the passphrase')}`;
    const bundle = await generateProtected(work, command);
    const before = await snapshot([c.dataDir]);
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir, '--passphrase-command', command]);
    t.is(r.code, 1, r.stdout);
    t.regex(r.stderr, /does not offer TLS|still presents its old certificate/);
    t.regex(r.stderr, /Restored the previous files/);
    const strip = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([k]) => !/backup|pg-secure-setup\.postmaster/.test(k)));
    t.deepEqual(strip(await snapshot([c.dataDir])), strip(before));
    t.is(await c.psql('SHOW ssl'), 'off');
    t.is(await c.psql('SHOW ssl_passphrase_command'), '');
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
});
