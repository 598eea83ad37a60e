/**
 * The lab's life cycle on Debian's PostgreSQL 15: the status JSON's
 * connection string works in psql; a lab whose postmaster was killed
 * (stale postmaster.pid) starts again; reset brings back the seeded state.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, runCli } from '../helpers/cli.js';
import { freePort, pgBinDir } from '../helpers/cluster.js';

const run = promisify(execFile);

interface Status {
  connect: string;
  dataDir: string;
  port: number;
  running: boolean;
}

async function status(dir: string): Promise<Status> {
  const r = await runCli(['lab', 'status', '--dir', dir, '--json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Status;
}

function psql(connect: string, sql: string): Promise<string> {
  return run(join(pgBinDir(), 'psql'), ['-XAtqw', connect, '-c', sql]).then((r) => r.stdout.trim());
}

/** Wait until a process is gone (kill -0 fails). */
async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setImmediate(r));
  }
}

test('status --json connects in psql; a killed lab starts again; reset reseeds', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-lab-life-'));
  await chmod(work, 0o755);
  const dir = join(work, 'lab');
  try {
    // A port of its own: the lab is stopped and started again below, and other lab tests use the default port meanwhile.
    const started = await runCli(['lab', 'start', '--dir', dir, '--pg-version', '15', '--port', String(await freePort())], { timeout: 120_000 });
    t.is(started.code, 0, started.stderr);
    const s = await status(dir);
    t.is(await psql(s.connect, 'SELECT current_user, count(*) FROM customers'), 'lab_admin|3', 'psql takes the connection string as it is');
    // The seeded problems are real: a practice role logs in with its md5-stored password, in plaintext over TCP.
    const md5Login = `host=127.0.0.1 port=${s.port} user=app dbname=postgres sslmode=disable password=app-practice-pw`;
    t.is(await psql(md5Login, 'SELECT current_user').catch((e: Error) => e.message), 'app', 'app logs in with its practice password');
    t.is(await psql(s.connect, "SELECT rolpassword LIKE 'md5%' FROM pg_authid WHERE rolname = 'app'"), 't');

    // A lab killed hard: the postmaster and its children die, postmaster.pid stays.
    const pid = Number((await readFile(join(s.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await gone(pid);
    t.false((await status(dir)).running);
    const again = await runCli(['lab', 'start', '--dir', dir], { timeout: 120_000 });
    t.is(again.code, 0, again.stderr);
    t.true((await status(dir)).running);

    // A postmaster.pid whose PID now belongs to another live program (here: this test) is stale too.
    t.is((await runCli(['lab', 'stop', '--dir', dir])).code, 0);
    await writeFile(join(s.dataDir, 'postmaster.pid'), `${process.pid}\n${s.dataDir}\n`);
    t.false((await status(dir)).running, 'a live PID that is not the lab\'s server is not taken for it');
    const reused = await runCli(['lab', 'start', '--dir', dir], { timeout: 120_000 });
    t.is(reused.code, 0, reused.stderr);
    t.regex(reused.stdout, /running again/);

    await psql(s.connect, "SET password_encryption = 'scram-sha-256'; ALTER ROLE app PASSWORD 'changed'");
    t.is(await psql(s.connect, "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_authid WHERE rolpassword LIKE 'md5%'"), 'alice,report');
    const reset = await runCli(['lab', 'reset', '--dir', dir], { timeout: 120_000 });
    t.is(reset.code, 0, reset.stderr);
    t.regex(reset.stdout, /back to its seeded state/);
    const fresh = await status(dir);
    t.is(fresh.port, s.port, 'the same port after a reset');
    t.is(await psql(fresh.connect, "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_authid WHERE rolpassword LIKE 'md5%'"), 'alice,app,report');
  } finally {
    await runCli(['lab', 'stop', '--dir', dir]);
    await rm(work, { recursive: true, force: true });
  }
});

// As root, the same CLI run as a normal user (postgres here) plays the participant without root.
(process.getuid?.() === 0 ? test : test.skip)('as a normal user the server runs as that user, with no word about root', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-lab-user-'));
  await chmod(work, 0o777);
  const dir = join(work, 'lab');
  const asUser = (args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', 'env', `HOME=${work}`, 'NO_COLOR=1', process.execPath, BIN, ...args]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  try {
    const r = await asUser(['lab', 'start', '--dir', dir, '--pg-version', '15']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /Server +runs as the OS user postgres/);
    t.notRegex(r.stdout, /run as root/);
    const check = await asUser(['lab', 'check', '--dir', dir, '--json']);
    t.is(check.code, 1, check.stderr);
    t.is((JSON.parse(check.stdout) as { done: number }).done, 0);
  } finally {
    await asUser(['lab', 'stop', '--dir', dir]);
    await rm(work, { recursive: true, force: true });
  }
});
