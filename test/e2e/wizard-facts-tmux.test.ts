/**
 * The facts the wizard's defaults come from, with fake pg_config, postgres
 * and hostname first on PATH: the detected version is on the first screen,
 * the first frame is drawn while `hostname -f` is still running (it waits
 * here until the test lets it answer, as a slow DNS lookup would), a key
 * pressed meanwhile waits for it, and the second screen offers the FQDN.
 * Needs the build and tmux.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliSession, hasTmux } from './wizard-terminal.js';

const BUILT = existsSync(new URL('../../dist/cli.js', import.meta.url));
const e2e = hasTmux() && BUILT ? test.serial : test.serial.skip;

/** Ink's first frame (the lines before it are drawn without Ink while it loads). */
const INTERACTIVE = /Bundle directory: |Server version: /;

/** A directory of fake commands that log each run to `log`; hostname answers only once `release` exists. */
async function fakeCommands(): Promise<{ bin: string; log: string; release: string; remove: () => Promise<void> }> {
  const bin = await mkdtemp(join(tmpdir(), 'pgss-fake-bin-'));
  const log = join(bin, 'log');
  const release = join(bin, 'release');
  const scripts: Record<string, string> = {
    pg_config: `echo "pg_config $*" >> '${log}'\necho 'PostgreSQL 14.9'`,
    postgres: `echo "postgres $*" >> '${log}'\necho 'postgres (PostgreSQL) 13.1'`,
    hostname: `echo "hostname $* started $$" >> '${log}'\nwhile [ ! -e '${release}' ]; do sleep 0.02; done\necho "hostname ended" >> '${log}'\necho db.example.com`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(bin, name), 0o755);
  }
  return { bin, log, release, remove: () => rm(bin, { recursive: true, force: true }) };
}

async function readLog(log: string): Promise<string> {
  return readFile(log, 'utf8').catch(() => '');
}

/** Wait until the log matches (the fakes write it); the log. */
async function waitForLog(log: string, pattern: RegExp): Promise<string> {
  const end = Date.now() + 30_000;
  for (;;) {
    const text = await readLog(log);
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`the log never showed ${pattern}; it holds:\n${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Is the process alive? A zombie is not: once its parent is gone, it waits for init to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

e2e('the first frame does not wait for hostname -f; the detected version and then the FQDN are offered', async (t) => {
  const fake = await fakeCommands();
  const s = await cliSession([], { NO_COLOR: '1', PATH: `${fake.bin}:${process.env.PATH ?? ''}` });
  try {
    const first = await s.term.waitFor(INTERACTIVE);
    t.regex(first, /Server version: 14 {2}\(detected on this machine\)/, "pg_config's version is shown, as detected");
    const started = await waitForLog(fake.log, /hostname -f started (\d+)/);
    const pid = Number(/hostname -f started (\d+)/.exec(started)![1]);
    t.true(running(pid), 'hostname -f is still running');
    t.notRegex(await readLog(fake.log), /hostname ended/);
    t.regex(await s.term.screen(), INTERACTIVE, 'the first frame is on screen while hostname -f runs');
    await s.term.send('Enter'); // accepts the bundle directory once the FQDN is in
    await writeFile(fake.release, '');
    const second = await s.term.waitFor(/Step 2 of 8/);
    t.regex(second, /Server identity: db\.example\.com, /, 'the host names offer the FQDN hostname -f gave');
    const log = await readLog(fake.log);
    t.regex(log, /hostname ended/);
    t.is(log.match(/^pg_config --version$/gm)?.length, 1, 'pg_config runs once');
    t.notRegex(log, /^postgres/m, 'postgres --version is not asked when pg_config answered');
    await s.term.press('C-c', /EXIT=130/);
  } finally {
    await writeFile(fake.release, '').catch(() => undefined);
    await s.done();
    await fake.remove();
  }
});

e2e('Ctrl+C while hostname -f still runs ends the wizard at once, and hostname -f with it', async (t) => {
  const fake = await fakeCommands();
  const s = await cliSession([], { NO_COLOR: '1', PATH: `${fake.bin}:${process.env.PATH ?? ''}` });
  try {
    await s.term.waitFor(INTERACTIVE);
    const started = await waitForLog(fake.log, /hostname -f started (\d+)/);
    const pid = Number(/hostname -f started (\d+)/.exec(started)![1]);
    await s.term.press('C-c', /EXIT=130/);
    t.regex(await s.term.screen(), /Cancelled: nothing was written/);
    t.false(running(pid), 'hostname -f was ended with the wizard, not left waiting');
    t.notRegex(await readLog(fake.log), /hostname ended/);
  } finally {
    await writeFile(fake.release, '').catch(() => undefined);
    await s.done();
    await fake.remove();
  }
});
