/**
 * The wizard in a real 80x24 terminal (tmux) against the lab, with the
 * --connect string `lab start` prints: it reads the lab's version, port and
 * md5 roles, and the bundle it writes applies to the lab, where `lab check`
 * sees TLS on. Needs the build and tmux.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { cliSession, enterToTheEnd, hasTmux } from '../e2e/wizard-terminal.js';

const ready = hasTmux() && existsSync(new URL('../../dist/cli.js', import.meta.url));
const e2e = ready ? test.serial : test.serial.skip;

e2e('the wizard with the lab\'s --connect string: the lab\'s version, port and md5 roles; its bundle applies; lab check sees TLS', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-lab-wizard-'));
  await chmod(work, 0o755);
  const dir = join(work, 'lab');
  try {
    const started = await runCli(['lab', 'start', '--dir', dir, '--pg-version', '15'], { timeout: 120_000 });
    t.is(started.code, 0, started.stderr);
    const connect = /--connect {2}"([^"]+)"/.exec(started.stdout)?.[1];
    t.truthy(connect, started.stdout);
    const { port, bin } = JSON.parse((await runCli(['lab', 'status', '--dir', dir, '--json'])).stdout) as { port: number; bin: string };

    const s = await cliSession(['--connect', connect!]);
    let bundle = '';
    try {
      const first = await s.term.waitFor(/Bundle directory: Where should/);
      t.regex(first, /Server version: 15 {2}\(reported by the server\)/);
      let passwords = '';
      const code = await enterToTheEnd(s.term, (screen) => {
        if (/Step 6 of 8 · Passwords/.test(screen)) passwords = screen;
      });
      t.is(code, 0);
      t.regex(passwords, /Roles on md5 +alice, app, report/);
      bundle = join(s.cwd, 'pg-secure-setup');
      t.like(JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')), { pgVersion: 15, port });

      const applied = await runCli(['apply', bundle, '--connect', connect!, '--pg-bin', bin], { timeout: 120_000 });
      t.is(applied.code, 0, applied.stderr + applied.stdout);
      const check = await runCli(['lab', 'check', '--dir', dir, '--bundle', bundle, '--json'], { timeout: 60_000 });
      t.is(check.code, 1, 'md5 roles are left: not every exercise is done');
      const marks = Object.fromEntries((JSON.parse(check.stdout) as { exercises: { id: string; done: boolean }[] }).exercises.map((e) => [e.id, e.done]));
      t.like(marks, { tls: true, scram: true, 'no-md5-secrets': false });
    } finally {
      await s.done();
    }
  } finally {
    await runCli(['lab', 'stop', '--dir', dir]);
    await rm(work, { recursive: true, force: true });
  }
});
