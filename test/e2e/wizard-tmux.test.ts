/**
 * The built CLI in a real 80x24 terminal (tmux): Enter through every
 * default, a run with changed choices that goes back with Esc, Ctrl+C
 * halfway and while keys are made, plain mode, NO_COLOR, and no TTY. Bundles
 * are checked on disk with openssl. Needs the build (`npm run
 * build`; `npm test` builds first).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { cliSession, enterToTheEnd, hasTmux } from './wizard-terminal.js';

const exec = promisify(execFile);
const BUILT = existsSync(new URL('../../dist/cli.js', import.meta.url));
const ready = hasTmux() && BUILT;
const e2e = ready ? test.serial : test.serial.skip;
if (!BUILT) console.warn('wizard e2e skipped: run `npm run build` first (npm test builds).');

/** Ink's first frame (the lines before it are drawn without Ink while it loads). */
const INTERACTIVE = /Bundle directory: |Server version: /;

const session = cliSession;

/** `openssl verify -x509_strict` as the issue states it, for the server and optionally a client. */
async function opensslVerify(bundle: string, client?: string): Promise<void> {
  const server = await exec('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'server/root.crt', '-untrusted', 'server/server.crt', 'server/server.crt'], { cwd: bundle });
  if (!/server\/server\.crt: OK/.test(server.stdout)) throw new Error(server.stdout + server.stderr);
  if (client) {
    const dir = `clients/${client}`;
    const c = await exec('openssl', ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', `${dir}/root.crt`, '-untrusted', `${dir}/postgresql.crt`, `${dir}/postgresql.crt`], { cwd: bundle });
    if (!/postgresql\.crt: OK/.test(c.stdout)) throw new Error(c.stdout + c.stderr);
  }
}

async function mode(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

e2e('Enter on every screen writes a bundle that openssl verifies', async (t) => {
  const s = await session([]);
  try {
    const first = await s.term.waitFor(INTERACTIVE);
    t.is(first.match(/Step 1 of 8/g)?.length, 1, 'the lines drawn before Ink loaded were replaced, not left above');
    t.notRegex(first, /Looking at this machine/);
    t.is(await enterToTheEnd(s.term), 0);
    const screen = await s.term.screen();
    t.regex(screen, /psql "host=.* sslmode=verify-full"/);
    const bundle = join(s.cwd, 'pg-secure-setup');
    await opensslVerify(bundle, 'postgres');
    t.is(await mode(join(bundle, 'server/server.key')), '600');
    t.is(await mode(join(bundle, 'ca/root.key')), '600');
    const answers = JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')) as Record<string, unknown>;
    t.like(answers, { pki: 'ca', clientCerts: 'verify-full', clientUsers: ['postgres'], keyBits: 2048, days: 397, networks: ['samenet'] });
    t.deepEqual((await readdir(s.cwd)).sort(), ['pg-secure-setup'], 'no staging directory is left');
  } finally {
    await s.done();
  }
});

e2e('changed choices with Esc back: the bundle follows every change and verifies', async (t) => {
  const s = await session(['--save-answers', 'saved.json']);
  const { term } = s;
  try {
    await term.waitFor(/Bundle directory: Where should the bundle be written\?/);
    t.regex(await term.screen(), /Server version: \d+ {2}\(detected on this machine\)/);
    await term.press('C-u');
    await term.type('mybundle');
    await term.press('Enter', /Step 2 of 8/);
    await term.press('Enter', /Server identity: Names and addresses/); // one server
    await term.press('Up', /❯ \+ add another/);
    await term.type('db.test');
    await term.press('Enter', /db\.test\n❯ \+ add another/);
    await term.press('Down', /❯ ✔ continue/);
    await term.press('Enter', /Server port: TCP port clients connect to/);
    await term.press('Enter', /Step 3 of 8/);
    await term.press('Down', /❯ New CA \+ intermediate/);
    await term.press('Enter', /Key size: RSA key size/);
    await term.press('Enter', /Validity: Days/);
    await term.press('Escape', /Key size: RSA key size/);
    await term.press('Escape', /Certificates: How should certificates be made\?/);
    t.regex(await term.screen(), /❯ New CA \+ intermediate/, 'Esc kept the answer');
    await term.press('?', /the root key can stay offline/);
    await term.press('?', /an intermediate lets the root CA key stay offline/);
    await term.press('Enter', /Key size: RSA key size/);
    await term.press('Enter', /Validity: Days/);
    await term.press('C-u');
    await term.type('3x');
    await term.press('Enter', /✘ "3x" is not a whole number/);
    await term.press('BSpace');
    await term.type('0');
    await term.press('Enter', /Step 4 of 8/);
    await term.press('Down', /❯ TLSv1\.3/);
    await term.press('Enter', /Refuse plaintext: Refuse/);
    await term.press('Enter', /Client networks: Client addresses/);
    await term.press('Up', /❯ \+ add another/);
    await term.type('10.0.0.0/8');
    await term.press('Enter', /10\.0\.0\.0\/8\n❯ \+ add another/);
    await term.press('Down');
    await term.press('Enter', /Transport encryption: How should connections be encrypted/);
    await term.press('Enter', /Step 5 of 8/);
    await term.press('Down', /❯ cert/);
    await term.press('Enter', /Client roles: Roles that get/);
    await term.press('Up', /❯ \+ add another/);
    await term.type('alice');
    await term.press('Enter', /alice\n❯ \+ add another/);
    await term.press('Down');
    await term.press('Enter', /Replication role: Role that standbys replicate as/);
    await term.press('Enter', /Step 6 of 8 · Passwords/);
    await term.press('Escape', /Step 5 of 8/);
    await term.press('Enter', /Step 6 of 8 · Passwords/);
    await term.press('Enter', /lines 1-\d+ of \d+/);
    await term.press('PageDown', /lines (?!1-)\d+-/);
    t.is(await enterToTheEnd(term), 0);
    const bundle = join(s.cwd, 'mybundle');
    await opensslVerify(bundle, 'alice');
    const hba = await readFile(join(bundle, 'conf/pg_hba.conf'), 'utf8');
    t.regex(hba, /hostssl\s+all\s+all\s+10\.0\.0\.0\/8\s+cert/);
    t.regex(await readFile(join(bundle, 'conf/pg-secure-setup.conf'), 'utf8'), /ssl_min_protocol_version = 'TLSv1\.3'/);
    const saved = JSON.parse(await readFile(join(s.cwd, 'saved.json'), 'utf8')) as Record<string, unknown>;
    t.like(saved, { out: 'mybundle', pki: 'ca-intermediate', keyBits: 2048, days: 30, minTls: 'TLSv1.3', clientCerts: 'cert', clientUsers: ['postgres', 'alice'], networks: ['samenet', '10.0.0.0/8'] });
    t.true((saved.hosts as string[]).includes('db.test'));
  } finally {
    await s.done();
  }
});

e2e('Ctrl+C halfway through the questions leaves no files', async (t) => {
  const s = await session([]);
  try {
    await s.term.waitFor(INTERACTIVE);
    await s.term.press('Enter', /Step 2 of 8/);
    await s.term.press('Enter', /Server identity: Names and addresses/);
    await s.term.press('Enter', /Server port: TCP port clients connect to/);
    await s.term.press('C-c', /Cancelled: nothing was written/);
    t.is(await s.term.exitCode(), 130);
    t.deepEqual(await readdir(s.cwd), []);
  } finally {
    await s.done();
  }
});

e2e('Ctrl+C while keys are made leaves no files, not even a staging directory', async (t) => {
  // 4096-bit keys take seconds, long enough to interrupt.
  const s = await session(['--key-bits', '4096', '--pki', 'ca-intermediate', '--client-user', 'a', '--client-user', 'b']);
  try {
    await s.term.waitFor(INTERACTIVE);
    for (let i = 0; i < 20 && !/lines 1-/.test(await s.term.screen()); i++) {
      if (/Working out the plan/.test(await s.term.screen())) await s.term.waitFor(/lines 1-/);
      else await s.term.press('Enter');
    }
    await s.term.press('Enter', /Making 5 RSA keys of 4096 bits/);
    await s.term.press('C-c', /EXIT=130/);
    t.deepEqual(await readdir(s.cwd), []);
  } finally {
    await s.done();
  }
});

e2e('a bundle directory that exists and is not empty is refused inline; another name goes on', async (t) => {
  const s = await session([]);
  try {
    await mkdir(join(s.cwd, 'pg-secure-setup'));
    await writeFile(join(s.cwd, 'pg-secure-setup', 'keep.txt'), 'mine');
    await s.term.waitFor(/Bundle directory: Where should/);
    await s.term.press('Enter', /✘ \.\/pg-secure-setup exists and is not empty: choose another directory/);
    await s.term.type('2');
    await s.term.press('Enter', /Step 2 of 8/);
    await s.term.press('C-c', /EXIT=130/);
    t.deepEqual(await readdir(s.cwd), ['pg-secure-setup']);
    t.is(await readFile(join(s.cwd, 'pg-secure-setup', 'keep.txt'), 'utf8'), 'mine');
  } finally {
    await s.done();
  }
});

e2e('Ctrl+C at a plain prompt exits 130 and leaves no files', async (t) => {
  const s = await session(['--plain']);
  try {
    await s.term.waitFor(/\? Which PostgreSQL major version/);
    await s.term.press('Enter', /\? Where should the bundle be written/);
    await s.term.press('C-c', /EXIT=130/);
    t.regex(await s.term.screen(), /Cancelled: nothing was written/);
    t.deepEqual(await readdir(s.cwd), []);
  } finally {
    await s.done();
  }
});

e2e('--plain asks line by line in the same terminal and writes the same kind of bundle', async (t) => {
  const s = await session(['--plain', '--pki', 'self-signed']);
  try {
    await s.term.waitFor(/\? Which PostgreSQL major version/);
    t.is(await enterToTheEnd(s.term), 0);
    const bundle = join(s.cwd, 'pg-secure-setup');
    await opensslVerify(bundle);
    t.like(JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')), { pki: 'self-signed', clientCerts: 'none', clientUsers: [] });
  } finally {
    await s.done();
  }
});

e2e('colours by default, none at all with NO_COLOR', async (t) => {
  const colour = /\u001B\[(?:3[0-7]|9[0-7]|38;[25];)/;
  for (const [env, coloured] of [[{}, true], [{ NO_COLOR: '1' }, false]] as const) {
    const s = await session([], env);
    try {
      await s.term.waitFor(INTERACTIVE);
      t.is(colour.test(await s.term.screen(true)), coloured, JSON.stringify(env));
    } finally {
      await s.done();
    }
  }
});

e2e('no TTY: exit 2 with how to run without prompts; with --answers it runs as generate', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'pgss-notty-'));
  try {
    const r = await runCli([], { cwd, timeout: 20_000 });
    t.is(r.code, 2);
    t.regex(r.stderr, /no terminal to ask questions on/);
    t.regex(r.stderr, /pg-secure-setup generate --out/);
    t.deepEqual(await readdir(cwd), []);
    await writeFile(join(cwd, 'a.json'), JSON.stringify({ pki: 'self-signed', hosts: ['db.example.com'], out: 'b' }));
    const g = await runCli(['--answers', 'a.json', '--plain'], { cwd, timeout: 60_000 });
    t.is(g.code, 0, g.stderr);
    await opensslVerify(join(cwd, 'b'));
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});
