/**
 * apply and rollback run as root against a data directory the server's OS
 * user owns: what that user can plant there (symlinks, a forged manifest)
 * must not steer root; signals and a second apply must not leave the server
 * half-configured; bytes apply does not mean to change stay as they were.
 * Real PostgreSQL 15; the hostile steps run as `postgres` (runuser).
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openStateDir, stateDirFor } from '../../src/apply/state-dir.js';
import { BIN, runCli } from '../helpers/cli.js';
import { asPostgres, startCluster } from '../helpers/cluster.js';
import { aliceTls, cli, connectTcp, setUp as setUpWith, snapshot, sslIs, tearDown, withoutBackups } from './apply-helpers.js';

const run = promisify(execFile);
const setUp = (extra: string[] = []) => setUpWith(startCluster, extra);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((n) => join(dir, n)).filter((p) => lstatSync(p).isFile());
}

/** A directory only root can enter, outside the data directory, with a file the server's user must never get. */
async function rootOnly(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgss-rootonly-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('server.crt and server.key turned into symlinks by the server\'s user: apply refuses, the targets are untouched and never copied', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    const outside = await rootOnly(t);
    const targets = { crt: join(outside, 'crt-target'), key: join(outside, 'key-target') };
    await writeFile(targets.crt, 'root secret one\n', { mode: 0o600 });
    await writeFile(targets.key, 'root secret two\n', { mode: 0o600 });
    const sums = { crt: sha(readFileSync(targets.crt)), key: sha(readFileSync(targets.key)) };
    await asPostgres('ln', ['-s', targets.crt, join(c.dataDir, 'server.crt')]);
    await asPostgres('ln', ['-s', targets.key, join(c.dataDir, 'server.key')]);
    const before = await snapshot([c.dataDir]);

    const r = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(r.code, 2, r.stdout + r.stderr);
    t.regex(r.stderr, /server\.(crt|key) is a symbolic link to \S+-target made by uid \d+, not by root: refusing/);
    t.is(sha(readFileSync(targets.crt)), sums.crt, 'the link target outside is unchanged');
    t.is(sha(readFileSync(targets.key)), sums.key);
    const copies = [...filesUnder(stateDirFor(c.dataDir)), ...filesUnder(c.dataDir)].filter((p) => /root secret/.test(readFileSync(p, 'latin1')));
    t.deepEqual(copies, [], 'the targets\' contents appear in no backup');
    t.deepEqual(await snapshot([c.dataDir]), before);
    t.is(await c.psql('SHOW ssl'), 'off', 'the server still serves its old configuration');
    t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f');
  } finally {
    await tearDown(s);
  }
});

test('a manifest forged in the data directory is not read: rollback creates and deletes nothing outside', async (t) => {
  const s = await setUp();
  try {
    const { c } = s;
    const outside = await rootOnly(t);
    const victim = join(outside, 'victim');
    const planted = join(outside, 'planted');
    await writeFile(victim, 'keep me\n', { mode: 0o600 });
    const evil = Buffer.from('planted by postgres\n');
    const state = (b: Uint8Array) => ({ mode: 0o600, uid: 0, gid: 0, sha256: sha(b) });
    // As the old layout had it: DATA/pg-secure-setup.backups/STAMP/, written by the server's user.
    const forged = join(c.dataDir, 'pg-secure-setup.backups', '20990101T000000.000Z');
    const manifest = {
      format: 1, tool: 'x', createdAt: '2099-01-01T00:00:00.000Z', bundle: '/b', dataDir: c.dataDir, configFile: join(c.dataDir, 'postgresql.conf'), hbaFile: join(c.dataDir, 'pg_hba.conf'), status: 'applied',
      files: [
        { role: 'server.crt', path: planted, backup: 'files/1-planted', before: state(evil), after: state(Buffer.from('x')) },
        { role: 'hba', path: victim, after: state(readFileSync(victim)) },
      ],
    };
    await asPostgres('mkdir', ['-p', join(forged, 'files')]);
    await asPostgres('tee', [join(forged, 'manifest.json')], { input: JSON.stringify(manifest) });
    await asPostgres('tee', [join(forged, 'files', '1-planted')], { input: evil.toString() });
    const before = await snapshot([c.dataDir]);

    const r = await cli(['rollback', '--pgdata', c.dataDir, '--force']);
    t.is(r.code, 2, r.stdout + r.stderr);
    t.regex(r.stderr, /no apply to roll back for \S+ \(backups are kept in \S+pgss-state-/);
    t.is(readFileSync(victim, 'utf8'), 'keep me\n', 'nothing outside was deleted');
    t.false(existsSync(planted), 'nothing outside was created');
    t.deepEqual(await snapshot([c.dataDir]), before);

    // Even in the state directory, a manifest naming a path outside the server's directories is refused.
    const stateDir = openStateDir(c.dataDir);
    const inState = join(stateDir, 'backups', '20990101T000000.000Z');
    await mkdir(join(inState, 'files'), { recursive: true, mode: 0o700 });
    await writeFile(join(inState, 'manifest.json'), JSON.stringify(manifest), { mode: 0o600 });
    const r2 = await cli(['rollback', '--pgdata', c.dataDir, '--force']);
    t.is(r2.code, 2, r2.stdout + r2.stderr);
    t.regex(r2.stderr, /names "\S+planted", outside \S+: refusing to roll it back/);
    t.true(existsSync(victim));
    t.false(existsSync(planted));
    t.is(await c.psql('SHOW ssl'), 'off');
  } finally {
    await tearDown(s);
  }
});

// Ctrl+C (SIGINT), a closed terminal (SIGHUP) and SIGTERM: cleanup hooks, then the default action of that signal, as a shell sees it.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) {
  test(`${signal === 'SIGINT' ? 'Ctrl+C (SIGINT)' : signal} in the middle of an apply puts the old files back and ends by ${signal}`, async (t) => {
    const s = await setUp();
    try {
      const { c, bundle, work } = s;
      const before = await snapshot([c.dataDir]);
      const child = spawn(process.execPath, [BIN, 'apply', bundle, '--pgdata', c.dataDir], { env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b));
      child.stdout.on('data', (b: Buffer) => {
        out += b;
        // Every file is written; the checks come next.
        if (/wrote \S*pg_hba\.conf/.test(out)) child.kill(signal);
      });
      const ended = await new Promise<string>((resolve) => child.on('close', (code, sig) => resolve(sig ?? String(code))));
      t.is(ended, signal, out + err);
      // On a busy machine the signal may land after the reload: the old files come back and are reloaded all the same.
      t.regex(err, /interrupted; the previous files were restored/);
      t.deepEqual(withoutBackups(await snapshot([c.dataDir])), withoutBackups(before));
      t.regex((await cli(['rollback', '--pgdata', c.dataDir, '--list'])).stdout, /restored/);
      t.false(existsSync(join(stateDirFor(c.dataDir), 'lock')), 'the lock went with the process');
      t.true(await sslIs(c, 'off'), 'the server serves the old configuration');
      t.is(await connectTcp(c, work, { sslmode: 'disable' }), 'f');
    } finally {
      await tearDown(s);
    }
  });
}

test('one apply per data directory: a live lock refuses the second, a stale one is taken over, two at once end consistent', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    const before = await snapshot([c.dataDir]);
    const lock = join(openStateDir(c.dataDir), 'lock');
    // This test's own process stands for an apply still running.
    await writeFile(lock, `${process.pid}\napply\n`, { mode: 0o600 });
    const refused = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(refused.code, 2, refused.stdout + refused.stderr);
    t.regex(refused.stderr, new RegExp(`another pg-secure-setup apply \\(pid ${process.pid}\\) is working on \\S+: wait for it to finish`));
    t.deepEqual(await snapshot([c.dataDir]), before, 'nothing changed');
    const rb = await cli(['rollback', '--pgdata', c.dataDir]);
    t.regex(rb.stderr, /another pg-secure-setup apply \(pid \d+\)/, 'rollback waits its turn too');

    // A lock left by a process that is gone (power loss, SIGKILL).
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    await writeFile(lock, `${dead.pid}\napply\n`, { mode: 0o600 });
    const [a, b] = await Promise.all([cli(['apply', bundle, '--pgdata', c.dataDir]), cli(['apply', bundle, '--pgdata', c.dataDir])]);
    const outcomes = [a, b].map((r) => (r.code === 0 ? (/Nothing to change/.test(r.stdout) ? 'nothing' : 'applied') : /another pg-secure-setup apply/.test(r.stderr) ? 'refused' : `failed: ${r.stderr}`)).sort();
    t.true(JSON.stringify(outcomes) === '["applied","nothing"]' || JSON.stringify(outcomes) === '["applied","refused"]', outcomes.join(', '));
    t.false(existsSync(lock));
    const hba = await readFile(join(c.dataDir, 'pg_hba.conf'), 'utf8');
    t.is(hba.match(/^# BEGIN pg-secure-setup/gm)?.length, 1, 'one block of rules');
    t.true(await sslIs(c, 'on'));
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
  } finally {
    await tearDown(s);
  }
});

test('Latin-1 comments in pg_hba.conf and postgresql.conf come back byte for byte', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle } = s;
    const hbaLine = Buffer.from('# r\xe8gles de l\'\xe9quipe caf\xe9\n', 'latin1');
    const confLine = Buffer.from('# r\xe9glages \xe0 ne pas toucher\n', 'latin1');
    await appendFile(join(c.dataDir, 'pg_hba.conf'), hbaLine);
    await appendFile(join(c.dataDir, 'postgresql.conf'), confLine);
    const confBefore = await readFile(join(c.dataDir, 'postgresql.conf'));
    const r = await cli(['apply', bundle, '--pgdata', c.dataDir]);
    t.is(r.code, 0, r.stderr);
    const hba = await readFile(join(c.dataDir, 'pg_hba.conf'));
    t.true(hba.includes(hbaLine), 'the pg_hba.conf comment is byte-identical');
    t.false(hba.includes(Buffer.from('\ufffd')), 'no replacement characters');
    const conf = await readFile(join(c.dataDir, 'postgresql.conf'));
    t.true(conf.subarray(0, confBefore.length).equals(confBefore), 'postgresql.conf: the include line is added after the old bytes, which are unchanged');
    t.true(await sslIs(c, 'on'));
  } finally {
    await tearDown(s);
  }
});

test('apply.sh as root: a symlinked server.crt is refused, its target untouched; without one it installs the files as the server\'s user', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle, work } = s;
    const outside = await rootOnly(t);
    const target = join(outside, 'crt-target');
    await writeFile(target, 'root secret\n', { mode: 0o600 });
    const sum = sha(readFileSync(target));
    await asPostgres('ln', ['-s', target, join(c.dataDir, 'server.crt')]);
    const refused = await run('sh', [join(bundle, 'apply.sh'), c.dataDir]).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    t.is(refused.code, 2);
    t.regex(refused.stderr, /server\.crt is a symbolic link: refusing to write through it/);
    t.is(sha(readFileSync(target)), sum);
    t.deepEqual(readdirSync(outside), ['crt-target']);
    t.deepEqual(readdirSync(c.dataDir).filter((n) => n.startsWith('.pg-secure-setup')), [], 'no temporary file left');
    t.is(await c.psql('SHOW ssl'), 'off');

    await rm(join(c.dataDir, 'server.crt'));
    const ok = await run('sh', [join(bundle, 'apply.sh'), c.dataDir]);
    t.regex(ok.stdout, /cat \S+server\.key > \S+\/\.pg-secure-setup\.\w+ && chmod 0600/);
    const key = lstatSync(join(c.dataDir, 'server.key'));
    t.is(key.mode & 0o777, 0o600);
    t.not(key.uid, 0, 'owned by the server\'s user');
    t.true(await sslIs(c, 'on'));
    t.is(await connectTcp(c, work, aliceTls(bundle)), 't');
  } finally {
    await tearDown(s);
  }
});

test('files apply reads to find the server, replaced by a FIFO or a link to a root-only file: exit 2 naming the file, no hang, nothing read through', async (t) => {
  const s = await setUp();
  try {
    const { c, bundle } = s;
    const outside = await rootOnly(t);
    const secret = join(outside, 'root-only');
    await writeFile(secret, '18\nroot secret\n', { mode: 0o600 });
    const before = await snapshot([c.dataDir]);
    const cases: [string, 'fifo' | 'link', RegExp][] = [
      ['postmaster.opts', 'fifo', /postmaster\.opts is not a regular file/],
      ['postmaster.opts', 'link', /postmaster\.opts is a symbolic link to \S+root-only made by uid \d+, not by root: refusing/],
      ['PG_VERSION', 'fifo', /PG_VERSION is not a regular file/],
      ['PG_VERSION', 'link', /PG_VERSION is a symbolic link to \S+root-only made by uid \d+, not by root: refusing/],
      ['postmaster.pid', 'fifo', /postmaster\.pid is not a regular file/],
    ];
    for (const [name, kind, why] of cases) {
      const path = join(c.dataDir, name);
      const kept = `${path}.kept`;
      await asPostgres('mv', [path, kept]);
      await (kind === 'fifo' ? asPostgres('mkfifo', [path]) : asPostgres('ln', ['-s', secret, path]));
      // A hang would be killed by this bound and fail the assertions below, not stall the suite.
      const r = await runCli(['apply', bundle, '--pgdata', c.dataDir], { timeout: 30_000 });
      await asPostgres('rm', ['-f', path]);
      await asPostgres('mv', [kept, path]);
      t.is(r.code, 2, `${name} as a ${kind}: ${r.stdout}${r.stderr}`);
      t.regex(r.stderr, why);
      t.false(/root secret/.test(r.stdout + r.stderr), 'nothing of the root-only file is shown');
    }
    t.deepEqual(await snapshot([c.dataDir]), before, 'the data directory is as it was');
    t.is(await c.psql('SHOW ssl'), 'off', 'the server still serves its old configuration');
  } finally {
    await tearDown(s);
  }
});
