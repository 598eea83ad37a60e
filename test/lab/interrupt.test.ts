/**
 * Ctrl+C during `lab start` leaves nothing behind: no directory, no server
 * process, whether it comes while initdb runs or once the server is up.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.js';

async function processesNaming(path: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(path) && !cmd.includes(BIN)) found.push(cmd.replace(/\0/g, ' '));
  }
  return found;
}

/** Poll until `seen()` holds (the thing itself, every 5 ms). */
async function until(seen: () => boolean, child: { exitCode: number | null }): Promise<void> {
  while (!seen()) {
    if (child.exitCode !== null) throw new Error('lab start ended before the moment to interrupt it');
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const [when, marker] of [
  ['while initdb runs', (dir: string) => existsSync(join(dir, 'data', 'PG_VERSION'))],
  // The server's socket: the server is up (the lab is being seeded).
  ['once the server is up', (dir: string) => existsSync(join(dir, 'sock')) && readdirSync(join(dir, 'sock')).some((n) => /^\.s\.PGSQL\.\d+$/.test(n))],
] as const) {
  test.serial(`Ctrl+C ${when}: no lab directory and no server left`, async (t) => {
    const work = await mkdtemp(join(tmpdir(), 'pgss-lab-int-'));
    await chmod(work, 0o755);
    const dir = join(work, 'lab');
    try {
      const child = spawn(process.execPath, [BIN, 'lab', 'start', '--dir', dir, '--pg-version', '15'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      await until(() => marker(dir), child);
      child.kill('SIGINT');
      const end = await ended;
      t.true(end.signal === 'SIGINT' || end.code === 130, `${JSON.stringify(end)} ${stderr}`);
      t.false(existsSync(dir), 'the lab directory is gone');
      t.deepEqual(await processesNaming(dir), [], 'no server process is left');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}
