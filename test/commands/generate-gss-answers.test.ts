/** The transport is an answer: a GSSAPI bundle's answers.json reproduces it elsewhere, and an answers file without a realm is refused. */
import test from 'ava';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

async function bundleText(dir: string): Promise<{ hba: string; conf: string }> {
  const conf = join(dir, 'conf');
  const names = await readdir(conf);
  const hbaName = names.find((n) => n.includes('hba'))!;
  const confName = names.find((n) => n.endsWith('.conf') && !n.includes('hba') && !n.includes('ident'))!;
  return { hba: await readFile(join(conf, hbaName), 'utf8'), conf: await readFile(join(conf, confName), 'utf8') };
}

test('generate --transport gssapi --save-answers, then --answers on another --out: the same rules and settings', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-answers-'));
  try {
    await writeFile(join(work, 'server.keytab'), Buffer.from([0x05, 0x02, 0, 0]));
    const first = await runCli(['generate', '--out', 'one', '--host', 'db.example.com', '--transport', 'gssapi', '--krb-realm', 'EXAMPLE.COM', '--krb-keytab', 'server.keytab', '--gss-map', 'alice@EXAMPLE.COM=app', '--save-answers', 'answers.json', '--quiet'], { cwd: work });
    t.is(first.code, 0, first.stderr);
    const saved = JSON.parse(await readFile(join(work, 'answers.json'), 'utf8'));
    t.like(saved, { transport: 'gssapi', krbRealm: 'EXAMPLE.COM', krbKeytab: 'server.keytab', krbSrvname: 'postgres', gssMaps: ['alice@EXAMPLE.COM=app'] });
    const second = await runCli(['generate', '--answers', 'answers.json', '--out', 'two', '--quiet'], { cwd: work });
    t.is(second.code, 0, second.stderr);
    const [a, b] = [await bundleText(join(work, 'one')), await bundleText(join(work, 'two'))];
    t.regex(a.hba, /^hostgssenc\s+all\s+all\s+samenet\s+gss\s+map=pg-secure-setup/m);
    t.notRegex(a.hba, /^hostssl/m, 'gssapi alone keeps no TLS rule');
    t.is(b.hba, a.hba);
    t.is(b.conf.replace(/^#.*$/gm, ''), a.conf.replace(/^#.*$/gm, ''));
    t.regex(b.conf, /krb_server_keyfile/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('a TLS bundle saves no transport keys: answers files stay as they were', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-answers-'));
  try {
    const r = await runCli(['generate', '--out', 'one', '--save-answers', 'answers.json', '--quiet'], { cwd: work });
    t.is(r.code, 0, r.stderr);
    const saved = JSON.parse(await readFile(join(work, 'answers.json'), 'utf8'));
    t.false('transport' in saved);
    t.false('krbRealm' in saved);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('an answers file choosing gssapi without a realm: exit 2, the realm named, nothing written', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-gss-answers-'));
  try {
    await writeFile(join(work, 'answers.json'), JSON.stringify({ transport: 'gssapi', krbKeytab: 'server.keytab' }));
    const r = await runCli(['generate', '--answers', 'answers.json', '--out', 'bundle'], { cwd: work });
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, /krbRealm: transport "gssapi" needs the site's Kerberos realm/);
    t.deepEqual((await readdir(work)).sort(), ['answers.json']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
