/** A tampered bundle is refused by name before apply touches anything; what generate makes passes. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { appendFile, copyFile, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readBundle } from '../../src/apply/read-bundle.js';
import { checkInstallPaths, type BundleCheckOptions } from '../../src/apply/bundle-check.js';
import { UsageError } from '../../src/errors.js';
import { issueAll } from '../../src/pki/index.js';
import { makeBundle } from '../e2e/apply-helpers.js';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);
const DAY = 86_400_000;

async function refused(t: import('ava').ExecutionContext, bundle: string, message: RegExp, opts: BundleCheckOptions = {}, now = new Date()): Promise<void> {
  const err = await t.throwsAsync(readBundle(bundle, now, opts), { instanceOf: UsageError });
  t.regex(err!.message, /the bundle fails its check, so nothing was changed/);
  t.regex(err!.message, message);
}

const tampered = test.macro({
  async exec(t, edit: (bundle: string) => Promise<void>, message: RegExp, opts: BundleCheckOptions = {}) {
    const { work, bundle } = await makeBundle();
    try {
      await edit(bundle);
      await refused(t, bundle, message, opts);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
  title: (given) => `refused: ${given}`,
});

const conf = (bundle: string) => join(bundle, 'conf', 'pg-secure-setup.conf');
const hba = (bundle: string) => join(bundle, 'conf', 'pg_hba.conf');

test('a bundle as generate wrote it passes', async (t) => {
  const { work, bundle } = await makeBundle();
  try {
    const b = await readBundle(bundle);
    t.is(b.pgVersion, 15);
    t.truthy(b.server['server.key']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('self-signed and PostgreSQL 18 bundles as generate wrote them pass', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-check-'));
  try {
    for (const [name, args] of [['self', ['--pki', 'self-signed']], ['v18', ['--pg-version', '18', '--pki', 'ca', '--client-certs', 'cert', '--client-user', 'bob']]] as const) {
      const r = await runCli(['generate', '-q', '--out', join(work, name), '--host', 'localhost', ...args]);
      t.is(r.code, 0, r.stderr);
      await t.notThrowsAsync(readBundle(join(work, name)), name);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('".." in a file setting', tampered, (b) => appendFile(conf(b), "ssl_crl_file = '../../etc/root.crl'\n"), /conf\/pg-secure-setup\.conf:\d+: ssl_crl_file = '\.\.\/\.\.\/etc\/root\.crl' climbs out with "\.\."/);
test('an unknown setting', tampered, (b) => appendFile(conf(b), "shared_preload_libraries = 'evil'\n"), /conf\/pg-secure-setup\.conf:\d+: "shared_preload_libraries" is not a setting a bundle makes/);
test('an include directive in the settings', tampered, (b) => appendFile(conf(b), "include '/etc/other.conf'\n"), /"include" would make the server read '\/etc\/other\.conf' too/);
test('ssl_passphrase_command without the flag', tampered, (b) => appendFile(conf(b), "ssl_passphrase_command = 'touch /tmp/owned'\n"), /ssl_passphrase_command = 'touch \/tmp\/owned' runs a command at every server start[^\n]*--passphrase-command/);
test('ssl_passphrase_command other than the flag says', tampered, (b) => appendFile(conf(b), "ssl_passphrase_command = 'touch /tmp/owned'\n"), /is not the command given with --passphrase-command \('echo hi'\)/, { passphraseCommand: 'echo hi' });
test('a trust rule', tampered, (b) => appendFile(hba(b), 'host all all all trust\n'), /conf\/pg_hba\.conf:\d+: "host all all all trust": a bundle makes only reject rules and [^\n]*--allow-edited-rules/);
test('a password rule over plain TCP', tampered, (b) => appendFile(hba(b), 'host all all 10.0.0.0/8 password\n'), /"host all all 10\.0\.0\.0\/8 password"/);
test('a symlinked server key pointing at a root-only file', tampered, async (b) => {
  await rm(join(b, 'server', 'server.key'));
  await symlink('/etc/shadow', join(b, 'server', 'server.key'));
}, /server\/server\.key: is a symbolic link/);
test('a symlinked server directory', tampered, async (b) => {
  await rm(join(b, 'server'), { recursive: true });
  await symlink('/etc/ssl', join(b, 'server'));
}, /server\/: is a symbolic link/);
test('a FIFO as a bundle file', tampered, async (b) => {
  await rm(join(b, 'server', 'root.crl'));
  await run('mkfifo', [join(b, 'server', 'root.crl')]);
}, /server\/root\.crl: is not a regular file/);
test('a hard link to a file outside the bundle', tampered, async (b) => {
  const outside = join(b, '..', 'old.key');
  await copyFile(join(b, 'server', 'server.key'), outside);
  await rm(join(b, 'server', 'server.key'));
  await link(outside, join(b, 'server', 'server.key'));
}, /server\/server\.key: has 2 hard links/);
test('a key that does not match the certificate', tampered, (b) => copyFile(join(b, 'clients', 'alice', 'postgresql.key'), join(b, 'server', 'server.key')), /server\/server\.key: does not belong to server\/server\.crt/);

test('every problem is named at once', tampered, async (b) => {
  await appendFile(conf(b), "work_mem = '1GB'\n");
  await appendFile(hba(b), 'host all all all trust\n');
}, /"work_mem" is not a setting[^]*"host all all all trust"/);

test('edited rules pass with --allow-edited-rules, and the command with the same --passphrase-command', async (t) => {
  const { work, bundle } = await makeBundle();
  try {
    await appendFile(hba(bundle), 'host all all all trust\n');
    await appendFile(conf(bundle), "ssl_passphrase_command = 'echo \"it''s me\"'\nlisten_addresses = '*'\n");
    const b = await readBundle(bundle, new Date(), { allowEditedRules: true, passphraseCommand: 'echo "it\'s me"' });
    t.regex(b.hba, /host all all all trust/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

/** A CA and server certificate of our own pki code, valid from `from` to `to`. */
async function serverSet(from: Date, to: Date) {
  const issued = await issueAll([
    { id: 'root', kind: 'root-ca', commonName: 'Other CA', notBefore: new Date(from.getTime() - DAY), notAfter: new Date(to.getTime() + 365 * DAY), keyBits: 2048 },
    { id: 'server', kind: 'server', commonName: 'localhost', hosts: ['localhost'], issuer: 'root', notBefore: from, notAfter: to, keyBits: 2048 },
  ]);
  return { root: issued.get('root')!, server: issued.get('server')! };
}

async function install(bundle: string, set: Awaited<ReturnType<typeof serverSet>>, withRoot: boolean): Promise<void> {
  await writeFile(join(bundle, 'server', 'server.crt'), set.server.certPem);
  await writeFile(join(bundle, 'server', 'server.key'), set.server.keyPem, { mode: 0o600 });
  if (withRoot) await writeFile(join(bundle, 'server', 'root.crt'), set.root.certPem);
}

test('an expired server certificate', tampered, async (b) => install(b, await serverSet(new Date(Date.now() - 800 * DAY), new Date(Date.now() - 400 * DAY)), true), /server\/server\.crt: the certificate expired on [^\n]+/);
test('a server certificate not valid yet', tampered, async (b) => install(b, await serverSet(new Date(Date.now() + 10 * DAY), new Date(Date.now() + 400 * DAY)), true), /server\/server\.crt: the certificate is not valid before/);
test('a server certificate from another CA', tampered, async (b) => install(b, await serverSet(new Date(Date.now() - DAY), new Date(Date.now() + 400 * DAY)), false), /server\/server\.crt: does not chain to server\/root\.crt \(issuer "CN=Other CA"/);

test('the intermediate travels in server.crt and chains to the root', async (t) => {
  const { work, bundle } = await makeBundle(['--pki', 'ca-intermediate']);
  try {
    await t.notThrowsAsync(readBundle(bundle));
    // Without the intermediate the leaf no longer reaches root.crt.
    const crt = await readFile(join(bundle, 'server', 'server.crt'), 'latin1');
    await writeFile(join(bundle, 'server', 'server.crt'), crt.slice(0, crt.indexOf('-----END CERTIFICATE-----') + 26));
    await refused(t, bundle, /does not chain to server\/root\.crt/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('a missing file is still "not a bundle", a missing conf dir too', async (t) => {
  const { work, bundle } = await makeBundle();
  try {
    await rm(join(bundle, 'conf'), { recursive: true });
    await mkdir(join(bundle, 'conf'));
    const err = await t.throwsAsync(readBundle(bundle), { instanceOf: UsageError });
    t.regex(err!.message, /is not a pg-secure-setup bundle \(missing conf\/pg_hba\.conf, conf\/pg-secure-setup\.conf\)/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

const layout = { dataDir: '/var/lib/postgresql/15/main', configFile: '/etc/postgresql/15/main/postgresql.conf', hbaFile: '/etc/postgresql/15/main/pg_hba.conf', settingsFile: '/etc/postgresql/15/main/conf.d/pg-secure-setup.conf' };

test('install paths: inside the data or config directory, onto no file PostgreSQL keeps', (t) => {
  const ok = "ssl_cert_file = 'server.crt'\nssl_key_file = '/var/lib/postgresql/15/main/tls/server.key'\nssl_ca_file = '/etc/postgresql/15/main/root.crt'\n";
  t.deepEqual(checkInstallPaths(ok, layout), []);
  const cases: [string, RegExp][] = [
    ["ssl_crl_file = '/etc/ssl/root.crl'", /ssl_crl_file = '\/etc\/ssl\/root\.crl' is outside the data directory \(\/var\/lib\/postgresql\/15\/main\) and the config directory/],
    ["ssl_cert_file = '/var/lib/postgresql/15/main'", /is outside the data directory/],
    ["ssl_cert_file = 'pg_hba.conf'", /names a file PostgreSQL keeps there \(pg_hba\.conf\)/],
    ["ssl_cert_file = 'global/pg_control'", /names a file PostgreSQL keeps there \(global\)/],
    ["ssl_cert_file = 'PG_VERSION'", /names a file PostgreSQL keeps there \(PG_VERSION\)/],
    ["ssl_cert_file = 'postgresql.auto.conf'", /names the same file as postgresql\.auto\.conf/],
    ["ssl_key_file = '/etc/postgresql/15/main/pg_hba.conf'", /names the same file as pg_hba\.conf/],
    ["ssl_key_file = '/etc/postgresql/15/main/conf.d/pg-secure-setup.conf'", /names the same file as the settings file/],
    ["ssl_cert_file = 'server.crt'\nssl_key_file = 'server.crt'", /:2: ssl_key_file = 'server\.crt' names the same file as ssl_cert_file/],
  ];
  for (const [text, message] of cases) {
    const found = checkInstallPaths(text + '\n', layout);
    t.is(found.length, 1, text);
    t.regex(`${found[0]?.where}: ${found[0]?.message}`, message, text);
  }
});
