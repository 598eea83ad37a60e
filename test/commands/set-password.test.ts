import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { promptHidden, stripOneNewline, type TtyInput } from '../../src/commands/conn-prompt.js';
import { parseScramSecret, scramSecretMatches } from '../../src/pg/scram.js';
import { asPostgres, startCluster, type Cluster } from '../helpers/cluster.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/pg-secure-setup.js');
const ADMIN_PASSWORD = 'admin-pw-for-tests';
// Distinctive, with a non-ASCII character and a shell metacharacter, so a leak is unmistakable.
const NEW_PASSWORD = 'Vq7-zebra-caf\u00e9-&-91f3c2';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, PGPASSWORD: '', PGHOST: '', PGUSER: '', ...opts.env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}

/** libpq's verdict: can `user` log in over TCP with `password`? */
async function libpqLogin(c: Cluster, user: string, password: string): Promise<string> {
  const { stdout } = await asPostgres(join(c.bin, 'psql'), ['-XAtq', '-w', `host=127.0.0.1 port=${c.port} user=${user} dbname=postgres sslmode=disable`, '-c', 'SELECT current_user'], {
    env: { PGPASSWORD: password },
  });
  return stdout.trim();
}

let c: Cluster;
let tcp: string;
const hasStatements = existsSync('/usr/share/postgresql/15/extension/pg_stat_statements.control');

test.before(async (t) => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) t.fail('dist/ is not built: run npm run build first');
  c = await startCluster({
    settings: {
      log_statement: 'all',
      log_min_duration_statement: 0,
      log_min_error_statement: 'debug5',
      ...(hasStatements ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track_utility': 'on' } : {}),
    },
  });
  // The initdb template has "host all all 127.0.0.1/32 scram-sha-256": the administrator logs in with a password.
  await c.psql(`ALTER ROLE postgres PASSWORD '${ADMIN_PASSWORD}'`);
  // alice starts on md5, as roles do before the migration.
  await c.psql("SET password_encryption = 'md5'; CREATE ROLE alice LOGIN PASSWORD 'old-md5-password'");
  await c.psql('CREATE ROLE bob LOGIN PASSWORD \'bob-pw\'; CREATE ROLE nologin_role NOLOGIN');
  if (hasStatements) await c.psql('CREATE EXTENSION pg_stat_statements');
  tcp = `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=disable`;
});

test.after.always(async () => {
  await c?.stop();
});

test.serial('sets a SCRAM secret; alice logs in with it; the password is in neither the log nor the statistics', async (t) => {
  t.regex(await c.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'"), /^md5/);
  const run = await cli(['set-password', 'alice', '--password-stdin', '--connect', tcp], { input: NEW_PASSWORD + '\n', env: { PGPASSWORD: ADMIN_PASSWORD } });
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /Password of role "alice" set as a SCRAM-SHA-256 secret \(4096 iterations\)/);

  const stored = await c.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'");
  t.regex(stored, /^SCRAM-SHA-256\$4096:/);
  t.truthy(parseScramSecret(stored));
  t.true(scramSecretMatches(stored, NEW_PASSWORD)); // the trailing newline was stripped, nothing else
  t.is(await libpqLogin(c, 'alice', NEW_PASSWORD), 'alice');
  await t.throwsAsync(libpqLogin(c, 'alice', 'old-md5-password'));

  const log = await c.readLog();
  t.true(log.includes('ALTER ROLE "alice" PASSWORD \'SCRAM-SHA-256$'), 'log_statement = all logged the statement, with the secret only');
  for (const piece of [NEW_PASSWORD, 'Vq7-zebra', '91f3c2']) t.false(log.includes(piece), `"${piece}" in the server log`);
  if (hasStatements) {
    const texts = await c.psql('SELECT string_agg(query, E\'\\n\') FROM pg_stat_statements');
    t.true(texts.includes('ALTER ROLE'));
    t.false(texts.includes('Vq7-zebra'));
  }
});

test.serial('over the Unix socket with peer authentication, as the postgres OS user', async (t) => {
  const { stdout } = await asPostgres(process.execPath, [BIN, 'set-password', 'bob', '--password-stdin', '--connect', `host=${c.socketDir} port=${c.port}`], { input: 'bob-new-pw' });
  t.regex(stdout, /role "bob" set/);
  t.regex(stdout, /socket .*\.s\.PGSQL\.\d+ as postgres/);
  t.is(await libpqLogin(c, 'bob', 'bob-new-pw'), 'bob');
});

test.serial('reports notes: NOLOGIN role', async (t) => {
  const run = await cli(['set-password', 'nologin_role', '--password-stdin', '--connect', tcp], { input: 'x-pw', env: { PGPASSWORD: ADMIN_PASSWORD } });
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /NOLOGIN/);
});

const usage: [string, string[], { input?: string; env?: NodeJS.ProcessEnv }, RegExp][] = [
  ['no role', ['set-password', '--password-stdin'], {}, /name the role/],
  ['two roles', ['set-password', 'a', 'b', '--password-stdin'], {}, /one role at a time/],
  ['no terminal and no --password-stdin', ['set-password', 'alice'], {}, /no terminal .* --password-stdin/],
  ['empty password', ['set-password', 'alice', '--password-stdin'], { input: '\n' }, /empty password/],
  ['unknown role', ['set-password', 'carol', '--password-stdin'], { input: 'pw' }, /role "carol" does not exist/],
  ['wrong administrator password', ['set-password', 'alice', '--password-stdin'], { input: 'pw', env: { PGPASSWORD: 'wrong' } }, /password authentication failed for user "postgres"/],
  ['no password for the administrator', ['set-password', 'alice', '--password-stdin'], { input: 'pw', env: { PGPASSWORD: '', HOME: '/nonexistent' } }, /asks for a password .* PGPASSWORD/],
  ['bad --connect', ['set-password', 'alice', '--password-stdin', '--connect', 'host=127.0.0.1 bogus=1'], { input: 'pw' }, /connection option "bogus" is not supported/],
  ['unknown flag', ['set-password', 'alice', '--password'], {}, /Unknown option '--password'/],
];

for (const [name, args, opts, message] of usage) {
  test.serial(`exit 2: ${name}`, async (t) => {
    const hasConnect = args.includes('--connect');
    const run = await cli(hasConnect ? args : [...args, '--connect', tcp], { env: { PGPASSWORD: ADMIN_PASSWORD, ...opts.env }, input: opts.input });
    t.is(run.code, 2, run.stdout + run.stderr);
    t.regex(run.stderr, message);
    t.notRegex(run.stderr, /\n\s+at /, 'no stack trace');
  });
}

test.serial('exit 2: a role may not set another role\'s password', async (t) => {
  const run = await cli(['set-password', 'alice', '--password-stdin', '--connect', `host=127.0.0.1 port=${c.port} user=bob dbname=postgres sslmode=disable`], {
    input: 'pw',
    env: { PGPASSWORD: 'bob-new-pw' },
  });
  t.is(run.code, 2, run.stderr);
  t.regex(run.stderr, /permission denied.*superuser, a role with CREATEROLE, or as "alice"/);
});

test.serial('exit 1: nothing listens there', async (t) => {
  const run = await cli(['set-password', 'alice', '--password-stdin', '--connect', 'host=127.0.0.1 port=1 user=postgres sslmode=disable'], { input: 'pw' });
  t.is(run.code, 1, run.stderr);
  t.regex(run.stderr, /connection refused at 127\.0\.0\.1:1 as postgres/);
});

test('--password-stdin strips exactly one trailing newline', (t) => {
  t.is(stripOneNewline(Buffer.from('pw\n')).toString(), 'pw');
  t.is(stripOneNewline(Buffer.from('pw\r\n')).toString(), 'pw');
  t.is(stripOneNewline(Buffer.from('pw\n\n')).toString(), 'pw\n');
  t.is(stripOneNewline(Buffer.from('pw ')).toString(), 'pw ');
});

function fakeTty(): { input: TtyInput & PassThrough; output: PassThrough; modes: boolean[] } {
  const modes: boolean[] = [];
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (m: boolean) => modes.push(m) });
  const output = new PassThrough();
  return { input, output, modes };
}

test('the hidden prompt echoes nothing, edits with Backspace, ends with Enter and leaves raw mode', async (t) => {
  const { input, output, modes } = fakeTty();
  const answer = promptHidden('New password: ', { input, output });
  input.write('sec');
  input.write('x\u007f');
  input.write('\u001b[D'); // an arrow key is ignored
  input.write('ret\r');
  t.is(await answer, 'secret');
  const shown = String(output.read());
  t.is(shown, 'New password: \n');
  t.deepEqual(modes, [true, false]);
});

test('the hidden prompt cancels on Ctrl+C and refuses without a terminal', async (t) => {
  const { input, output, modes } = fakeTty();
  const answer = promptHidden('Password: ', { input, output });
  input.write('abc\u0003');
  await t.throwsAsync(answer, { message: 'cancelled' });
  t.deepEqual(modes, [true, false]);
  await t.throwsAsync(promptHidden('Password: ', { input: new PassThrough(), output }), { message: /--password-stdin/ });
});
