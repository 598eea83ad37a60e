/**
 * Several servers through the built CLI in a real 80x24 terminal (tmux):
 * typed into the wizard, read from an answers file, given as flags. Each
 * bundle is checked on disk with openssl: servers/NAME/ per server, its
 * certificate naming its own hosts and chaining to the bundle's root.
 * Needs the build (`npm run build`).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliSession, enterToTheEnd, hasTmux } from './wizard-terminal.js';

const exec = promisify(execFile);
const BUILT = existsSync(new URL('../../dist/cli.js', import.meta.url));
const e2e = hasTmux() && BUILT ? test.serial : test.serial.skip;
if (!BUILT) console.warn('wizard e2e skipped: run `npm run build` first (npm test builds).');

const DB1 = 'db1=db1.example.com,10.0.0.5';
const DB2 = 'db2=db2.example.com,10.0.0.6';

/** The subjectAltName openssl reads from servers/NAME/server.crt, after checking it chains to the bundle's root as a server certificate. */
async function serverNames(bundle: string, name: string): Promise<string> {
  const crt = `servers/${name}/server.crt`;
  const verify = await exec('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'server/root.crt', '-untrusted', crt, crt], { cwd: bundle });
  if (!verify.stdout.includes(`${crt}: OK`)) throw new Error(verify.stdout + verify.stderr);
  const { stdout } = await exec('openssl', ['x509', '-in', crt, '-noout', '-ext', 'subjectAltName'], { cwd: bundle });
  return stdout.split('\n')[1]!.trim();
}

async function assertServers(t: { is: (a: unknown, b: unknown, m?: string) => void; deepEqual: (a: unknown, b: unknown, m?: string) => void }, bundle: string): Promise<void> {
  t.deepEqual((await readdir(join(bundle, 'servers'))).sort(), ['db1', 'db2']);
  t.is(await serverNames(bundle, 'db1'), 'DNS:db1.example.com, IP Address:10.0.0.5');
  t.is(await serverNames(bundle, 'db2'), 'DNS:db2.example.com, IP Address:10.0.0.6');
  for (const name of ['db1', 'db2']) t.is((await stat(join(bundle, 'servers', name, 'server.key'))).mode & 0o777, 0o600, `${name}'s key is private`);
  t.deepEqual(await readFile(join(bundle, 'servers/db1/server.crt')), await readFile(join(bundle, 'server/server.crt')), 'the primary is the bundle\'s server/');
}

e2e('a second server typed into the wizard: a shared host is refused, self-signed is not offered, the bundle has both; --save-answers keeps them', async (t) => {
  const s = await cliSession(['--out', 'b', '--save-answers', 'saved.json']);
  const { term } = s;
  try {
    await term.waitFor(/Servers: NAME=HOST\[,HOST\.\.\.\] per server, primary first/);
    t.regex(await term.screen(), /❯ ✔ continue with one server/);
    await term.press('Up', /❯ \+ add another/);
    await term.type(DB1);
    await term.press('Enter', /db1=db1\.example\.com,10\.0\.0\.5\n❯ \+ add another/);
    await term.type('db2=db2.example.com,10.0.0.5');
    await term.press('Enter', /✘ 10\.0\.0\.5 is a host of both db1 and db2: a client dialling it could not tell/);
    await term.press('BSpace');
    await term.type('6');
    await term.press('Enter', /db2=db2\.example\.com,10\.0\.0\.6\n❯ \+ add another/);
    await term.press('Down', /❯ ✔ continue with these 2/);
    await term.press('Enter', /Server port: TCP port clients connect to/);
    t.regex(await term.screen(), /Server identity: db1\.example\.com, 10\.0\.0\.5 {2}\(follows from the answers above\)/);
    const pki = await term.press('Enter', /Step 3 of 8/);
    t.regex(pki, /❯ New CA +a root CA signs server and client certificates\n {2}New CA \+ intermediate +[^\n]*\nSelf-signed is not offered: several servers need one CA/);
    t.notRegex(pki, /^ {2}Self-signed/m);
    const screens: string[] = [];
    t.is(await enterToTheEnd(term, (screen) => screens.push(screen)), 0);
    t.true(screens.some((sc) => /Servers, the primary first: each installs its own files with apply --server NAME\n {2}db1 \(primary\) +db1\.example\.com, 10\.0\.0\.5 +→ servers\/db1\/ and server\/\n {4}sudo npx pg-secure-setup apply \. --server db1 -D \S+/.test(sc)), 'the review names each server and its command');
    t.regex(await term.screen(), /sudo npx pg-secure-setup apply \. --server db1 -D \S+\nsudo npx pg-secure-setup apply \. --server db2 -D \S+/);
    await assertServers(t, join(s.cwd, 'b'));
    const saved = JSON.parse(await readFile(join(s.cwd, 'saved.json'), 'utf8')) as Record<string, unknown>;
    t.like(saved, { servers: [DB1, DB2], hosts: ['db1.example.com', '10.0.0.5'], pki: 'ca' });
  } finally {
    await s.done();
  }
});

e2e('servers in an --answers file are offered and written; saved again they come back the same', async (t) => {
  const answers = { servers: [DB1, DB2], pki: 'ca-intermediate', clientUsers: ['app'] };
  const dir = await mkdtemp(join(tmpdir(), 'pgss-answers-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.json'), JSON.stringify(answers));
  const s = await cliSession(['--answers', join(dir, 'a.json'), '--save-answers', 'saved.json', '--out', 'b']);
  try {
    const servers = await s.term.waitFor(/Servers: NAME=HOST/);
    t.regex(servers, /db1=db1\.example\.com,10\.0\.0\.5\n {2}db2=db2\.example\.com,10\.0\.0\.6\n {2}\+ add another\n❯ ✔ continue with these 2/);
    t.is(await enterToTheEnd(s.term), 0);
    const bundle = join(s.cwd, 'b');
    await assertServers(t, bundle);
    await stat(join(bundle, 'ca', 'intermediate.crt'));
    const saved = JSON.parse(await readFile(join(s.cwd, 'saved.json'), 'utf8')) as Record<string, unknown>;
    t.like(saved, answers);
    t.deepEqual(JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')), saved);
  } finally {
    await s.done();
  }
});

e2e('--server flags settle the question and the hosts: the wizard does not ask them', async (t) => {
  const s = await cliSession(['--out', 'b', '--server', DB1, '--server', DB2]);
  try {
    const first = await s.term.waitFor(/Step 2 of 8|Step 3 of 8/);
    t.notRegex(first, /Servers: NAME=HOST/, 'not asked');
    t.is(await enterToTheEnd(s.term), 0);
    await assertServers(t, join(s.cwd, 'b'));
  } finally {
    await s.done();
  }
});
