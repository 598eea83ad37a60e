/**
 * A closed terminal (SIGHUP) and SIGTERM end generate as Ctrl+C does: the
 * staging directory holding CA keys is removed, and the process ends by the
 * signal itself, even while a read from an --answers FIFO never ends.
 */
import test from 'ava';
import { spawn, execFileSync } from 'node:child_process';
import { openSync, closeSync, constants, readdirSync, readlinkSync, watch } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.js';

const exitOf = (child: ReturnType<typeof spawn>) => new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));

for (const signal of ['SIGHUP', 'SIGTERM'] as const) {
  test(`${signal} while the bundle is being written ends by ${signal} and leaves no staging directory`, async (t) => {
    const work = await mkdtemp(join(tmpdir(), 'pgss-signal-'));
    const watcher = watch(work);
    try {
      const child = spawn(process.execPath, [BIN, 'generate', '--out', 'b', '--pki', 'ca-intermediate', '--client-user', 'a', '--client-user', 'b'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = exitOf(child);
      // The staging directory appears: the CA keys are being written into it.
      watcher.on('change', (_e, name) => {
        if (String(name).includes('.staging-')) child.kill(signal);
      });
      t.is(await exited, signal, stderr);
      t.deepEqual((await readdir(work)).filter((n) => n.includes('staging')), [], 'no staging directory (with its CA keys) is left');
    } finally {
      watcher.close();
      await rm(work, { recursive: true, force: true });
    }
  });
}

/** Resolve when `pid` has `path` open: the read from it has begun. */
async function waitUntilOpen(pid: number, path: string): Promise<void> {
  for (;;) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === path)) return;
    } catch {
      /* fds come and go while we look */
    }
    await new Promise((r) => setImmediate(r));
  }
}

test('SIGTERM ends generate while its --answers FIFO never delivers EOF', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-fifo-'));
  const fifo = join(work, 'answers.json');
  execFileSync('mkfifo', [fifo]);
  // Held open for writing and never closed: the reader never sees EOF.
  const writer = openSync(fifo, constants.O_RDWR);
  try {
    const child = spawn(process.execPath, [BIN, 'generate', '--answers', fifo, '--out', join(work, 'b')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = exitOf(child);
    await waitUntilOpen(child.pid!, fifo);
    child.kill('SIGTERM');
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000).unref());
    const how = await Promise.race([exited, timeout]);
    if (how !== 'SIGTERM') child.kill('SIGKILL');
    t.is(how, 'SIGTERM');
  } finally {
    closeSync(writer);
    await rm(work, { recursive: true, force: true });
  }
});
