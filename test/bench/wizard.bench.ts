/**
 * The wizard's start-up and smoothness, reported (not asserted):
 * - launch to first frame: the built CLI on a pseudo-terminal (script(1))
 *   until "Step 1 of 8" arrives (lines drawn before Ink loads), and until
 *   Ink's first frame, against `node -e 0` on the same kind of
 *   pseudo-terminal, alternating, in the same run. Target: at most 3x.
 * - the event loop's longest delay while the bundle's keys are made
 *   (perf_hooks monitorEventLoopDelay around makeBundle). Target: < 50 ms.
 * Run: node --import=tsx test/bench/wizard.bench.ts (needs the build).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { completeAnswers } from '../../src/answers/resolve.js';
import { makeBundle } from '../../src/commands/make-bundle.js';

const BIN = fileURLToPath(new URL('../../bin/pg-secure-setup.js', import.meta.url));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * ms from spawning `command` on a pseudo-terminal until its output first
 * matches each of `marks` (then Ctrl+C), or until it exits when there are none.
 */
function timeOnPty(command: string, marks: readonly RegExp[], cwd: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
    // -q quiet, -f flush as it comes, -e the child's exit code; the log goes to /dev/null.
    // An 80x24 terminal: script's own pseudo-terminal has no size, and Ink would clear the screen on every frame.
    const child = spawn('script', ['-qfec', `stty rows 24 cols 80; exec ${command}`, '/dev/null'], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    let seen = '';
    const times: number[] = [];
    let quit = false;
    child.stdin.on('error', () => undefined); // the child may be gone already
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`marks not seen within 30 s; output: ${seen.slice(-300)}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      while (times.length < marks.length && marks[times.length]!.test(seen)) times.push(elapsed());
      if (marks.length && times.length === marks.length && !quit) {
        quit = true;
        child.stdin.write('\u0003'); // Ctrl+C: quit, nothing written
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(marks.length ? times : [elapsed()]);
    });
    child.on('error', reject);
  });
}

/** Medians of: node -e 0 to exit; the wizard's first lines; its first interactive (Ink) frame. */
async function firstFrame(rounds: number, bin: string): Promise<{ node: number; first: number; interactive: number }> {
  const cwd = mkdtempSync(join(tmpdir(), 'pgss-bench-wizard-'));
  const node: number[] = [];
  const first: number[] = [];
  const interactive: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      node.push((await timeOnPty(`${process.execPath} -e 0`, [], cwd))[0]!);
      const [a, b] = await timeOnPty(`${process.execPath} ${bin}`, [/Step 1 of 8/, /Bundle directory:|Server version:/], cwd);
      first.push(a!);
      interactive.push(b!);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  return { node: median(node), first: median(first), interactive: median(interactive) };
}

type Delay = { maxMs: number; p99Ms: number; tickGapMs: number; totalMs: number };

/** The event loop's longest delay while `body` runs, and the longest gap between 10 ms ticks (what a spinner feels). */
async function delayDuring(body: () => Promise<void>): Promise<Delay> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let gap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last - 10);
    last = now;
  }, 10);
  const start = performance.now();
  h.enable();
  try {
    await body();
  } finally {
    h.disable();
    clearInterval(tick);
  }
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, tickGapMs: gap, totalMs: performance.now() - start };
}

/** The same while a bundle is made. */
async function loopDelay(answers: Parameters<typeof completeAnswers>[0]): Promise<Delay> {
  const dir = mkdtempSync(join(tmpdir(), 'pgss-bench-loop-'));
  try {
    const full = completeAnswers({ ...answers, out: join(dir, 'b') }, { hostname: 'bench.example.com' });
    return await delayDuring(() => makeBundle(full, { force: false, onProgress: () => undefined }).then(() => undefined));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same measures over an idle wait: the machine's own noise (a loaded CPU delays an idle loop too). */
const idleDelay = (ms: number): Promise<Delay> => delayDuring(() => new Promise((r) => setTimeout(r, ms)));

/** `bin`: the CLI to start (the installed package in `npm run bench`, else the checkout's build). */
export async function benchWizard(rounds = 7, bin = BIN): Promise<string> {
  const { node, first, interactive } = await firstFrame(rounds, bin);
  const idle = await idleDelay(1500);
  // The first bundle of a process is the wizard's case (code not yet compiled); later ones show the steady state.
  const runs = async (answers: Parameters<typeof completeAnswers>[0]): Promise<{ cold: Delay; warm: Delay }> => {
    const cold = await loopDelay(answers);
    const warm = [await loopDelay(answers), await loopDelay(answers)].sort((a, b) => b.maxMs - a.maxMs)[0]!;
    return { cold, warm };
  };
  const small = await runs({});
  const big = await runs({ pki: 'ca-intermediate', clientUsers: ['alice', 'bob'], keyBits: 4096 });
  const row = (name: string, r: Delay) =>
    `  ${name}: longest delay ${r.maxMs.toFixed(1)} ms (p99 ${r.p99Ms.toFixed(1)} ms, latest 10 ms tick ${r.tickGapMs.toFixed(1)} ms late) over ${r.totalMs.toFixed(0)} ms`;
  return [
    `wizard start-up on an 80x24 pseudo-terminal, ${rounds} alternating rounds (medians)`,
    `  node -e 0:                          ${node.toFixed(0)} ms`,
    `  first frame (drawn before Ink):     ${first.toFixed(0)} ms, ratio ${(first / node).toFixed(2)} (target <= 3)`,
    `  first interactive frame (Ink):      ${interactive.toFixed(0)} ms, ratio ${(interactive / node).toFixed(2)} (target <= 2.5)`,
    'event loop while keys are made (makeBundle; target: longest delay < 50 ms)',
    row('idle, for comparison', idle),
    row('defaults (3 x RSA-2048), first in process', small.cold),
    row('defaults (3 x RSA-2048), later, worst of 2', small.warm),
    row('ca-intermediate + 2 clients (5 x RSA-4096), first', big.cold),
    row('ca-intermediate + 2 clients (5 x RSA-4096), later', big.warm),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await benchWizard());
}
