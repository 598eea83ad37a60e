/**
 * The bundle's apply.sh, run as root the way its README says, on real
 * PostgreSQL 15: a bundle of several servers installs the named server's
 * own certificate, and a GSSAPI bundle's user name map lands in the
 * server's pg_ident.conf byte for byte as `pg-secure-setup apply` puts it.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeIdent } from '../../src/apply/ident.js';
import { runCli } from '../helpers/cli.js';
import { givePostgres, startCluster } from '../helpers/cluster.js';
import { aliceTls, connectTcp, setUp, snapshot, sslIs, tearDown } from './apply-helpers.js';

/** Run apply.sh; resolves to its exit code and output. */
function applySh(bundle: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', [join(bundle, 'apply.sh'), ...args], (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
  });
}

test('apply.sh --server NAME installs that server\'s own certificate, which verifies under its names; without it, or with another name, nothing changes', async (t) => {
  const s = await setUp(startCluster, ['--server', 'db1=localhost,127.0.0.1', '--server', 'db2=standby.test']);
  try {
    const { c, bundle, work } = s;
    const before = await snapshot([c.dataDir]);
    const unnamed = await applySh(bundle, [c.dataDir]);
    t.is(unnamed.code, 2);
    t.regex(unnamed.stderr, /this bundle holds several servers \(db1 db2\): name the one this is with --server NAME/);
    const unknown = await applySh(bundle, ['--server', 'db3', c.dataDir]);
    t.is(unknown.code, 2);
    t.regex(unknown.stderr, /--server db3: the bundle's servers are db1 db2/);
    t.deepEqual(await snapshot([c.dataDir]), before, 'a refused run changes nothing');

    const ok = await applySh(bundle, ['--server', 'db2', c.dataDir]);
    t.is(ok.code, 0, ok.stderr);
    t.deepEqual(await readFile(join(c.dataDir, 'server.crt')), await readFile(join(bundle, 'servers', 'db2', 'server.crt')));
    t.deepEqual(await readFile(join(c.dataDir, 'server.key')), await readFile(join(bundle, 'servers', 'db2', 'server.key')));
    t.is(lstatSync(join(c.dataDir, 'server.key')).mode & 0o777, 0o600);
    t.true(await sslIs(c, 'on'));
    t.is(await connectTcp(c, work, { ...aliceTls(bundle), host: 'standby.test' }), 't');
    await t.throwsAsync(connectTcp(c, work, aliceTls(bundle)), { message: /server certificate for "standby\.test" does not match host name "localhost"/ });
  } finally {
    await tearDown(s);
  }
});

test('apply.sh on a one-server bundle refuses --server, naming why', async (t) => {
  const s = await setUp(startCluster);
  try {
    const r = await applySh(s.bundle, ['--server', 'db1', s.c.dataDir]);
    t.is(r.code, 2);
    t.regex(r.stderr, /--server db1: this bundle describes one server; run \.\/apply\.sh DATA_DIR \[CONFIG_DIR\]/);
  } finally {
    await tearDown(s);
  }
});

test('apply.sh puts a GSSAPI bundle\'s map into pg_ident.conf exactly as apply does: appended, replacing its earlier block in place, or after a dangling BEGIN', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-applysh-'));
  const c = await startCluster({ start: false });
  try {
    const keytab = join(work, 'server.keytab');
    // A keytab's first bytes (version 0x0502); the server is never started, so no key is needed.
    await writeFile(keytab, Buffer.from([0x05, 0x02]));
    const bundle = join(work, 'bundle');
    const gen = await runCli(['generate', '--out', bundle, '--pg-version', '15', '--host', 'localhost', '--pki', 'ca', '--client-certs', 'none', '-q', '--transport', 'gssapi', '--krb-realm', 'TEST.PGSS', '--krb-keytab', keytab, '--gss-map', 'carol@TEST.PGSS=alice', '--gss-map', 'dave@TEST.PGSS=bob']);
    t.is(gen.code, 0, gen.stderr);
    const bundleIdent = await readFile(join(bundle, 'conf', 'pg_ident.conf'), 'latin1');
    const ident = join(c.dataDir, 'pg_ident.conf');
    const oldBlock = '# BEGIN pg-secure-setup user name map (pg-secure-setup)\npg-secure-setup  erin@TEST.PGSS  alice\n# END pg-secure-setup user name map (pg-secure-setup)\n';
    const starts: [string, string][] = [
      ['a Latin-1 comment and no newline at the end', '# caf\xe9 (Latin-1)\nlocalmap  bob  bob'],
      ['an earlier block between other lines', `# mine\nlocalmap  bob  bob\n${oldBlock}othermap  x  y\n`],
      ['a BEGIN line without its END', '# BEGIN pg-secure-setup user name map (pg-secure-setup)\nlocalmap  bob  bob\n'],
    ];
    for (const [what, text] of starts) {
      await writeFile(ident, Buffer.from(text, 'latin1'), { mode: 0o600 });
      await givePostgres(ident);
      const r = await applySh(bundle, [c.dataDir]);
      t.is(r.code, 0, `${what}: ${r.stderr}`);
      const after = (await readFile(ident)).toString('latin1');
      t.is(after, mergeIdent(text, bundleIdent), what);
      t.is(after.match(/^pg-secure-setup {2}carol@TEST\.PGSS {2}alice$/gm)?.length, 1, `${what}: the map line once`);
      t.not(lstatSync(ident).uid, 0, 'owned by the server\'s user');
      t.is(lstatSync(ident).mode & 0o777, 0o600, 'its mode kept');
      const again = await applySh(bundle, [c.dataDir]);
      t.is(again.code, 0, again.stderr);
      t.is((await readFile(ident)).toString('latin1'), after, `${what}: a second run changes nothing`);
    }
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
});
