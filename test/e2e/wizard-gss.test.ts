/**
 * The wizard (plain prompts, in a real terminal under tmux) with
 * --server-key-passphrase-command and --transport gssapi: the passphrase is
 * asked twice without echo before the first question, and the bundle holds
 * the encrypted key and the keytab while answers.json holds no passphrase.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliSession, enterToTheEnd as enterThroughInk, hasTmux, type Terminal } from './wizard-terminal.js';

const exec = promisify(execFile);
const BUILT = existsSync(new URL('../../dist/cli.js', import.meta.url));
const e2e = hasTmux() && BUILT ? test.serial : test.serial.skip;

async function enterToTheEnd(term: Terminal): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const screen = await term.screen();
    if (/EXIT=\d+/.test(screen)) break;
    await term.press('Enter');
  }
  return term.exitCode();
}

e2e('plain wizard: the passphrase is asked unseen before the questions; the bundle has the encrypted key and the keytab', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pgss-wizgss-'));
  const keytab = join(dir, 'server.keytab');
  await writeFile(keytab, Buffer.from([0x05, 0x02, 0, 0]));
  const s = await cliSession(['--plain', '--pki', 'self-signed', '--host', 'localhost', '--server-key-passphrase-command', 'cat /etc/pg/pass', '--transport', 'gssapi', '--krb-realm', 'EXAMPLE.COM', '--krb-keytab', keytab]);
  try {
    await s.term.waitFor(/Passphrase for server\.key \(not shown, not saved\):/);
    // Nothing is echoed, so the screen does not change while typing: send the text and go on.
    await s.term.press('open sesame', /Passphrase for server\.key/);
    await s.term.press('Enter', /The same passphrase again:/);
    t.notRegex(await s.term.screen(), /open sesame/, 'not echoed');
    await s.term.press('open sesame', /The same passphrase again/);
    await s.term.press('Enter', /\? Which PostgreSQL major version/);
    t.is(await enterToTheEnd(s.term), 0);
    const bundle = join(s.cwd, 'pg-secure-setup');
    t.regex(await readFile(join(bundle, 'server', 'server.key'), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    await exec('openssl', ['pkey', '-in', join(bundle, 'server', 'server.key'), '-noout', '-passin', 'pass:open sesame']);
    t.deepEqual(await readFile(join(bundle, 'server', 'krb5.keytab')), await readFile(keytab));
    const conf = await readFile(join(bundle, 'conf', 'pg-secure-setup.conf'), 'utf8');
    t.regex(conf, /^krb_server_keyfile = 'krb5\.keytab'/m);
    t.regex(conf, /^ssl_passphrase_command = 'cat \/etc\/pg\/pass'/m);
    t.false((await readFile(join(bundle, 'answers.json'), 'utf8')).includes('sesame'));
    t.regex(await readFile(join(bundle, 'conf', 'pg_hba.conf'), 'utf8'), /^hostgssenc all/m);
  } finally {
    await s.done();
    await rm(dir, { recursive: true, force: true });
  }
});

e2e('plain wizard: two different passphrases stop it with exit 2 before any question, nothing written', async (t) => {
  const s = await cliSession(['--plain', '--server-key-passphrase-command', 'cat /etc/pg/pass']);
  try {
    await s.term.waitFor(/Passphrase for server\.key/);
    await s.term.press('first-one', /Passphrase for server\.key/);
    await s.term.press('Enter', /The same passphrase again/);
    await s.term.press('second-one', /The same passphrase again/);
    await s.term.press('Enter');
    t.is(await s.term.exitCode(), 2);
    t.regex(await s.term.screen(), /the two passphrases differ; nothing was written/);
    t.false(existsSync(join(s.cwd, 'pg-secure-setup')));
  } finally {
    await s.done();
  }
});

e2e('Ink wizard: choosing GSSAPI asks the realm and the keytab (an unreadable one refused inline); the bundle has the GSSAPI rules and its answers.json the transport', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pgss-wizgss-'));
  const keytab = join(dir, 'server.keytab');
  await writeFile(keytab, Buffer.from([0x05, 0x02, 0, 0]));
  const s = await cliSession(['--host', 'localhost']);
  try {
    await s.term.waitFor(/Bundle directory: Where should the bundle be written\?/);
    for (let i = 0; i < 20 && !/Transport encryption: How should connections be encrypted/.test(await s.term.screen()); i++) await s.term.press('Enter');
    await s.term.press('Down', /❯ GSSAPI /);
    await s.term.press('Enter', /Kerberos realm: The site's Kerberos realm/);
    await s.term.press('Enter', /needs the site's Kerberos realm/);
    await s.term.type('EXAMPLE.COM');
    await s.term.press('Enter', /Server keytab: Path of the server's keytab/);
    await s.term.type(join(dir, 'missing.keytab'));
    await s.term.press('Enter', /missing\.keytab: cannot read it \(ENOENT\)/);
    await s.term.press('C-u');
    await s.term.type(keytab);
    await s.term.press('Enter', /Kerberos service name: Service name/);
    t.is(await enterThroughInk(s.term), 0);
    const bundle = join(s.cwd, 'pg-secure-setup');
    t.regex(await readFile(join(bundle, 'conf', 'pg_hba.conf'), 'utf8'), /^hostgssenc\s+all\s+all\s+samenet\s+gss\s+include_realm=0 krb_realm=EXAMPLE\.COM/m);
    t.deepEqual(await readFile(join(bundle, 'server', 'krb5.keytab')), await readFile(keytab));
    t.like(JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')), { transport: 'gssapi', krbRealm: 'EXAMPLE.COM', krbKeytab: keytab, krbSrvname: 'postgres' });
  } finally {
    await s.done();
    await rm(dir, { recursive: true, force: true });
  }
});
