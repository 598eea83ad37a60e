/**
 * `lab start` with installed binaries against what it cannot avoid: initdb
 * + pg_ctl start of the same server by hand, alternating, in the same run.
 * Target: at most 1.5x. Reported, not asserted.
 * Run: node --import=tsx test/bench/lab.bench.ts (needs the build; as root
 * the server runs as the OS user postgres, in both cases).
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pgBinDir } from '../helpers/cluster.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/pg-secure-setup.js', import.meta.url));
const root = process.getuid?.() === 0;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function asServerUser(file: string, args: string[]): Promise<void> {
  await (root ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args));
}

async function ids(): Promise<{ uid: number; gid: number } | undefined> {
  if (!root) return undefined;
  const [u, g] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(u.stdout), gid: Number(g.stdout) };
}

/** initdb + pg_ctl start -w by hand, the lab's way (same flags), timed; then stopped (not timed). */
async function byHand(work: string, port: number): Promise<number> {
  const bin = pgBinDir();
  const data = join(work, 'data');
  const sock = join(work, 'sock');
  const log = join(work, 'log');
  const owner = await ids();
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(sock);
  writeFileSync(log, '');
  for (const p of [data, sock, log]) if (owner) chownSync(p, owner.uid, owner.gid);
  const start = performance.now();
  await asServerUser(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  await asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-o', `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1`, '-w', 'start']);
  const ms = performance.now() - start;
  await asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
  return ms;
}

async function lab(work: string, port: number): Promise<number> {
  const dir = join(work, 'lab');
  const start = performance.now();
  await run(process.execPath, [BIN, 'lab', 'start', '--dir', dir, '--pg-bin', pgBinDir(), '--port', String(port)]);
  const ms = performance.now() - start;
  await run(process.execPath, [BIN, 'lab', 'stop', '--dir', dir]);
  return ms;
}

export async function benchLab(rounds = 5): Promise<string> {
  const hand: number[] = [];
  const labs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const [fn, out] of [[byHand, hand], [lab, labs]] as const) {
      const work = mkdtempSync(join(tmpdir(), 'pgss-bench-lab-'));
      chmodSync(work, 0o755);
      try {
        out.push(await fn(work, 54900 + i));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
  }
  const h = median(hand);
  const l = median(labs);
  return [
    `lab start (PostgreSQL from ${pgBinDir()}, median of ${rounds}):`,
    `  initdb + pg_ctl start by hand  ${h.toFixed(0)} ms`,
    `  pg-secure-setup lab start      ${l.toFixed(0)} ms  (${(l / h).toFixed(2)}x; target <= 1.5x)`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await benchLab());
