/**
 * generate (ca-intermediate, two client users: five RSA-2048 keys) against
 * the manual's openssl command sequence making the same certificates,
 * measured alternately in the same run. Reports medians and their ratio.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/pg-secure-setup.js', import.meta.url));
const OPENSSL = fileURLToPath(new URL('./manual-openssl.sh', import.meta.url));

function timeOnce(fn: (dir: string) => void): number {
  const dir = mkdtempSync(join(tmpdir(), 'pgss-bench-'));
  try {
    const start = process.hrtime.bigint();
    fn(dir);
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** `bin`: the CLI to time (the installed package in `npm run bench`, else the checkout's build). */
export async function benchGenerate(rounds = 7, bin = BIN): Promise<string> {
  const ours: number[] = [];
  const openssl: number[] = [];
  for (let i = 0; i < rounds; i++) {
    openssl.push(timeOnce((dir) => execFileSync('sh', [OPENSSL], { cwd: dir })));
    ours.push(
      timeOnce((dir) =>
        execFileSync(process.execPath, [bin, 'generate', '-q', '--out', join(dir, 'b'), '--pki', 'ca-intermediate', '--client-user', 'alice', '--client-user', 'bob', '--host', 'localhost'], { cwd: dir }),
      ),
    );
  }
  const ratio = median(ours) / median(openssl);
  return [
    `generate ca-intermediate + 2 clients (5 x RSA-2048), ${rounds} alternating rounds`,
    `  openssl sequence (manual 18.9.5): median ${median(openssl).toFixed(0)} ms`,
    `  pg-secure-setup generate:         median ${median(ours).toFixed(0)} ms`,
    `  ratio generate / openssl: ${ratio.toFixed(2)} (target <= 0.60)`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await benchGenerate());
}
