/**
 * The bundle generate writes, checked with openssl as a user would: every
 * certificate verifies with its chain and purpose, keys are 0600, the CRL is
 * signed, the layout is what documentation and scripts rely on.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);

async function generate(args: string[]): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const work = await mkdtemp(join(tmpdir(), 'pgss-bundle-'));
  const dir = join(work, 'b');
  const r = await runCli(['generate', '-q', '--out', dir, '--host', 'db.example.com', '--host', '*.db.example.com', '--host', '10.1.2.3', '--host', '2001:db8::5', ...args]);
  if (r.code !== 0) throw new Error(r.stderr);
  return { dir, cleanup: () => rm(work, { recursive: true, force: true }) };
}

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

/** Split a PEM bundle into its certificates. */
const pems = (text: string) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];

async function verify(dir: string, cafile: string, leafFile: string, purpose: string): Promise<string> {
  const [leaf, ...chain] = pems(await readFile(leafFile, 'utf8'));
  await writeFile(join(dir, 'leaf.pem'), leaf!);
  await writeFile(join(dir, 'chain.pem'), chain.join('') || '');
  const args = ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', cafile, ...(chain.length ? ['-untrusted', join(dir, 'chain.pem')] : []), join(dir, 'leaf.pem')];
  const { stdout } = await run('openssl', args);
  return stdout;
}

test('ca-intermediate: layout, modes, chains and purposes', async (t) => {
  const { dir, cleanup } = await generate(['--pki', 'ca-intermediate', '--client-user', 'alice', '--client-user', 'app.rw']);
  const scratch = await mkdtemp(join(tmpdir(), 'pgss-verify-'));
  try {
    t.deepEqual(await files(dir), [
      'README.md',
      'answers.json',
      'apply.sh',
      'ca/README.md',
      'ca/intermediate.crt',
      'ca/intermediate.key',
      'ca/root.crt',
      'ca/root.key',
      'clients/alice/postgresql.crt',
      'clients/alice/postgresql.key',
      'clients/alice/postgresql.pk8',
      'clients/alice/root.crt',
      'clients/app.rw/postgresql.crt',
      'clients/app.rw/postgresql.key',
      'clients/app.rw/postgresql.pk8',
      'clients/app.rw/root.crt',
      'conf/pg-secure-setup.conf',
      'conf/pg_hba.conf',
      'server/root.crl',
      'server/root.crt',
      'server/server.crt',
      'server/server.key',
    ]);
    for (const f of await files(dir)) {
      const mode = (await stat(join(dir, f))).mode & 0o777;
      const expected = /\.(key|pk8)$/.test(f) ? 0o600 : f === 'apply.sh' ? 0o755 : 0o644;
      t.is(mode, expected, `${f} mode ${mode.toString(8)}`);
    }
    t.is((await stat(join(dir, 'ca'))).mode & 0o777, 0o700, 'ca/ is private');

    const root = join(dir, 'server', 'root.crt');
    t.regex(await verify(scratch, root, join(dir, 'server', 'server.crt'), 'sslserver'), /: OK/);
    t.is(pems(await readFile(join(dir, 'server', 'server.crt'), 'utf8')).length, 2, 'server.crt is leaf then intermediate');
    for (const role of ['alice', 'app.rw']) {
      const crt = join(dir, 'clients', role, 'postgresql.crt');
      t.regex(await verify(scratch, join(dir, 'clients', role, 'root.crt'), crt, 'sslclient'), /: OK/);
      await t.throwsAsync(verify(scratch, root, crt, 'sslserver'), undefined, 'a client certificate is not a server certificate');
      const { stdout } = await run('openssl', ['x509', '-noout', '-subject', '-in', crt]);
      t.regex(stdout, new RegExp(`CN ?= ?${role.replace('.', '\\.')}\\s*$`));
      const pk8 = await run('openssl', ['pkey', '-inform', 'DER', '-in', join(dir, 'clients', role, 'postgresql.pk8'), '-noout']);
      t.is(pk8.stderr, '');
      t.regex(await readFile(join(dir, 'clients', role, 'postgresql.key'), 'utf8'), /^-----BEGIN RSA PRIVATE KEY-----/);
    }
    const sans = (await run('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', join(dir, 'server', 'server.crt')])).stdout;
    t.regex(sans, /DNS:db\.example\.com, DNS:\*\.db\.example\.com, IP Address:10\.1\.2\.3, IP Address:2001:DB8:0:0:0:0:0:5/);
    // One signed, empty CRL per CA: the server checks the whole chain.
    const crls = (await readFile(join(dir, 'server', 'root.crl'), 'utf8')).match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----\n/g) ?? [];
    t.is(crls.length, 2);
    const caFile = join(scratch, 'cas.pem');
    await writeFile(caFile, (await readFile(root, 'utf8')) + (await readFile(join(dir, 'ca', 'intermediate.crt'), 'utf8')));
    for (const [i, crl] of crls.entries()) {
      await writeFile(join(scratch, `${i}.crl`), crl);
      const { stderr } = await run('openssl', ['crl', '-verify', '-noout', '-CAfile', caFile, '-in', join(scratch, `${i}.crl`)]);
      t.regex(stderr, /verify OK/);
      const { stdout } = await run('openssl', ['crl', '-noout', '-text', '-in', join(scratch, `${i}.crl`)]);
      t.regex(stdout, /No Revoked Certificates/);
    }
  } finally {
    await cleanup();
    await rm(scratch, { recursive: true, force: true });
  }
});

test('self-signed: root.crt is the server certificate, no CA and no clients', async (t) => {
  const { dir, cleanup } = await generate(['--pki', 'self-signed']);
  const scratch = await mkdtemp(join(tmpdir(), 'pgss-verify-'));
  try {
    const all = await files(dir);
    t.false(all.some((f) => f.startsWith('ca/') || f.startsWith('clients/') || f.endsWith('.crl')));
    t.is(await readFile(join(dir, 'server', 'root.crt'), 'utf8'), await readFile(join(dir, 'server', 'server.crt'), 'utf8'));
    t.regex(await verify(scratch, join(dir, 'server', 'root.crt'), join(dir, 'server', 'server.crt'), 'sslserver'), /: OK/);
    const conf = await readFile(join(dir, 'conf', 'pg-secure-setup.conf'), 'utf8');
    t.notRegex(conf, /ssl_ca_file|ssl_crl_file/);
  } finally {
    await cleanup();
    await rm(scratch, { recursive: true, force: true });
  }
});

test('ca: clients chain straight to the root; answers.json replays to the same bundle kind', async (t) => {
  const { dir, cleanup } = await generate(['--pki', 'ca', '--client-certs', 'cert', '--client-user', 'bob', '--key-bits', '3072', '--days', '30']);
  const scratch = await mkdtemp(join(tmpdir(), 'pgss-verify-'));
  try {
    const crt = join(dir, 'clients', 'bob', 'postgresql.crt');
    t.is(pems(await readFile(crt, 'utf8')).length, 1);
    t.regex(await verify(scratch, join(dir, 'server', 'root.crt'), crt, 'sslclient'), /: OK/);
    const text = (await run('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'server', 'server.crt')])).stdout;
    t.regex(text, /Public-Key: \(3072 bit\)/);
    const answers = JSON.parse(await readFile(join(dir, 'answers.json'), 'utf8'));
    t.like(answers, { pki: 'ca', clientCerts: 'cert', clientUsers: ['bob'], keyBits: 3072, days: 30 });
    t.false(JSON.stringify(answers).includes('PRIVATE'));
    const again = join(scratch, 'again');
    const r = await runCli(['generate', '-q', '--answers', join(dir, 'answers.json'), '--out', again]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(JSON.parse(await readFile(join(again, 'answers.json'), 'utf8')), { ...answers, out: again });
  } finally {
    await cleanup();
    await rm(scratch, { recursive: true, force: true });
  }
});

test('--force replaces a non-empty bundle; without it the old files stay', async (t) => {
  const { dir, cleanup } = await generate(['--pki', 'self-signed']);
  try {
    const before = await readFile(join(dir, 'server', 'server.crt'), 'utf8');
    const refused = await runCli(['generate', '-q', '--out', dir, '--pki', 'self-signed']);
    t.is(refused.code, 2);
    t.is(await readFile(join(dir, 'server', 'server.crt'), 'utf8'), before);
    const forced = await runCli(['generate', '-q', '--force', '--out', dir, '--pki', 'self-signed']);
    t.is(forced.code, 0, forced.stderr);
    t.not(await readFile(join(dir, 'server', 'server.crt'), 'utf8'), before);
    t.deepEqual((await readdir(join(dir, '..'))).filter((n) => n !== 'b'), [], 'no staging or old copies left beside it');
  } finally {
    await cleanup();
  }
});
