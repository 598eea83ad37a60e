/**
 * The wizard with --connect, in a real 80x24 terminal (tmux), against a
 * throwaway PostgreSQL cluster that keeps one role on md5: the server's
 * version is not asked, the passwords screen names the role and what comes
 * next, and the README is written for that server. A login the server
 * refuses stops the wizard before its first step, writing nothing. Needs the
 * build (`npm run build`) and PostgreSQL (test/helpers/cluster.ts).
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliSession, enterToTheEnd, hasTmux } from './wizard-terminal.js';

const ready = hasTmux() && existsSync(new URL('../../dist/cli.js', import.meta.url));
const e2e = ready ? test.serial : test.serial.skip;

const PASSWORD = 'wizard-prefill-secret';
let cluster: Cluster | undefined;

test.before(async () => {
  if (!ready) return;
  cluster = await startCluster();
  // A role whose stored password is an md5 hash, as an older server would have left it.
  await cluster.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'; SET password_encryption = 'md5'; CREATE ROLE legacy LOGIN PASSWORD 'old'`);
});

test.after.always(async () => {
  await cluster?.stop();
});

const conninfo = () => `host=127.0.0.1 port=${cluster!.port} user=postgres dbname=postgres sslmode=disable`;

/** The wizard asking the server at `connect` with `password`, in a fresh directory. */
const session = (password: string, connect = conninfo()) => cliSession(['--connect', connect], { NO_COLOR: '1', PGPASSWORD: password });

e2e('--connect: the version is the server\'s, the passwords screen names its md5 role, the README is written for it', async (t) => {
  const s = await session(PASSWORD);
  try {
    const first = await s.term.waitFor(/Bundle directory: Where should/);
    t.regex(first, /Server version: 15 {2}\(reported by the server\)/, 'the version step is skipped: the server answered it');
    let passwords = '';
    const code = await enterToTheEnd(s.term, (screen) => {
      if (/Step 6 of 8 · Passwords/.test(screen)) passwords = screen;
    });
    t.is(code, 0);
    t.regex(passwords, /Roles on md5 +legacy\n/);
    t.regex(passwords, /✔ password_encryption is scram-sha-256 on the server already/);
    t.regex(passwords, /❯ a SCRAM secret for each role on md5[^\n]*\n +pg-secure-setup set-password legacy\n/);
    t.regex(passwords, /Connection poolers hold their own copy/);

    const bundle = join(s.cwd, 'pg-secure-setup');
    t.like(JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')), { pgVersion: 15, port: cluster!.port });
    const readme = await readFile(join(bundle, 'README.md'), 'utf8');
    t.true(readme.includes(`port=${cluster!.port} `), 'connection strings carry the port the server reported');
    t.true(readme.includes('npx pg-secure-setup set-password legacy'), 'the README lists the md5 role');
    t.true(readme.includes(cluster!.dataDir), 'the README names the cluster\'s own data directory');
  } finally {
    await s.done();
  }
});

e2e('--connect with a login the server refuses: exit 2 with its message before the first step, nothing written', async (t) => {
  const s = await session('wrong');
  try {
    t.is(await s.term.exitCode(), 2);
    const screen = await s.term.screen();
    t.regex(screen, /password authentication failed/);
    t.notRegex(screen, /Asking the server/, 'the waiting line was taken away');
    t.deepEqual(await readdir(s.cwd), []);
  } finally {
    await s.done();
  }
});

e2e('Ctrl+C while a server is slow to answer ends the wizard at once, nothing written', async (t) => {
  // Accepts the connection and never says a word.
  const silent: Socket[] = [];
  const server = createServer((socket) => void silent.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const s = await session(PASSWORD, `host=127.0.0.1 port=${port} user=postgres dbname=postgres sslmode=disable`);
  try {
    await s.term.waitFor(/Asking the server \(its version, paths and roles still on md5\)…/);
    await s.term.press('C-c', /EXIT=\d+/);
    t.is(await s.term.exitCode(), 130);
    t.regex(await s.term.screen(), /Cancelled: nothing was written/);
    t.deepEqual(await readdir(s.cwd), []);
  } finally {
    await s.done();
    for (const socket of silent) socket.destroy();
    server.close();
  }
});
