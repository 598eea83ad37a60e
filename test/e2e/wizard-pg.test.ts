/**
 * "Enter on every screen writes a bundle that works", proven on PostgreSQL:
 * the wizard runs in tmux with every default, apply.sh installs the bundle
 * on a throwaway cluster, and the connection string the wizard prints
 * connects with verify-full and the client certificate from ~/.postgresql/.
 * Needs the build and a PostgreSQL installation (test/helpers/cluster.ts).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN } from '../helpers/cli.js';
import { startCluster } from '../helpers/cluster.js';
import { hasTmux, Terminal } from './wizard-terminal.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery staple';
const ready = hasTmux() && existsSync(new URL('../../dist/cli.js', import.meta.url));

(ready ? test : test.skip)('the defaults make a bundle PostgreSQL accepts; the printed connection string connects with verify-full', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-wizard-pg-'));
  const term = await Terminal.start(work, [process.execPath, BIN], { NO_COLOR: '1' });
  const cluster = await startCluster();
  try {
    await term.waitFor(/Bundle directory: /);
    for (let i = 0; i < 40 && !/EXIT=\d+/.test(await term.screen()); i++) {
      const screen = await term.screen();
      if (/Working out the plan|Step 8 of 8/.test(screen)) await term.waitFor(/lines 1-|EXIT=\d+/);
      else await term.press('Enter');
    }
    t.is(await term.exitCode(), 0);
    const printed = /psql "([^"]+)"/.exec(await term.screen())?.[1];
    t.truthy(printed, 'a connection string was printed');

    const bundle = join(work, 'pg-secure-setup');
    await cluster.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'`);
    const applied = await run('sh', [join(bundle, 'apply.sh'), cluster.dataDir]);
    t.regex(applied.stdout, /==> Reload/);
    for (let i = 0; i < 50 && (await cluster.psql('SHOW ssl')) !== 'on'; i++) await new Promise((r) => setTimeout(r, 100));
    t.is(await cluster.psql('SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL'), '0');
    t.is(await cluster.psql('SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL'), '0');

    // The client's side, as the wizard says: clients/postgres/* into ~/.postgresql/.
    const home = join(work, 'home');
    await mkdir(join(home, '.postgresql'), { recursive: true });
    for (const name of await readdir(join(bundle, 'clients', 'postgres'))) {
      await copyFile(join(bundle, 'clients', 'postgres', name), join(home, '.postgresql', name));
    }
    await chmod(join(home, '.postgresql', 'postgresql.key'), 0o600);
    // The printed string, pointed at this cluster's port and at the loopback address the host name stands for here.
    const conninfo = `${printed!.replace('port=5432', `port=${cluster.port}`)} hostaddr=127.0.0.1`;
    const { stdout } = await run(join(cluster.bin, 'psql'), ['-XAtq', conninfo, '-c', 'SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()'], {
      env: { ...process.env, HOME: home, PGPASSWORD: PASSWORD },
    });
    t.is(stdout.trim(), 't|/CN=postgres');
  } finally {
    await term.kill();
    await cluster.stop();
    await rm(work, { recursive: true, force: true });
  }
});
