/**
 * issue (one client from a kept intermediate CA) against the openssl
 * sequence making the same files (issue-openssl.sh), alternately in the same
 * run, each on a fresh copy of one bundle. Reports medians and their ratio.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './generate.bench.js';

const BIN = fileURLToPath(new URL('../../bin/pg-secure-setup.js', import.meta.url));
const OPENSSL = fileURLToPath(new URL('./issue-openssl.sh', import.meta.url));

function timeOnce(source: string, fn: (bundle: string) => void): number {
  const dir = mkdtempSync(join(tmpdir(), 'pgss-bench-'));
  try {
    const bundle = join(dir, 'b');
    cpSync(source, bundle, { recursive: true });
    const start = process.hrtime.bigint();
    fn(bundle);
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchIssue(rounds = 9, bin = BIN): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'pgss-bench-src-'));
  try {
    const source = join(work, 'b');
    execFileSync(process.execPath, [bin, 'generate', '-q', '--out', source, '--pki', 'ca-intermediate', '--client-user', 'alice', '--host', 'localhost', '--pg-version', '15']);
    const ours: number[] = [];
    const openssl: number[] = [];
    for (let i = 0; i < rounds; i++) {
      openssl.push(timeOnce(source, (b) => execFileSync('sh', [OPENSSL], { cwd: join(b, 'ca') })));
      ours.push(timeOnce(source, (b) => execFileSync(process.execPath, [bin, 'issue', b, '--client-user', 'carol'])));
    }
    const ratio = median(ours) / median(openssl);
    return [
      `issue one client (RSA-2048) from a kept intermediate CA, ${rounds} alternating rounds`,
      `  openssl sequence (key+CSR, sign, PKCS#8, chain): median ${median(openssl).toFixed(0)} ms`,
      `  pg-secure-setup issue:                          median ${median(ours).toFixed(0)} ms`,
      `  ratio issue / openssl: ${ratio.toFixed(2)} (target <= 0.60)`,
    ].join('\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await benchIssue());
}
