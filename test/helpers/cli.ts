/** Run the real, built CLI (bin/pg-secure-setup.js) as a user would. `npm test` builds first. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Backups and locks of the applies a test file runs go to a private temporary state directory, not /var/lib.
if (!process.env.PG_SECURE_SETUP_STATE_DIR) {
  const state = mkdtempSync(join(tmpdir(), 'pgss-state-'));
  process.env.PG_SECURE_SETUP_STATE_DIR = state;
  process.once('exit', () => rmSync(state, { recursive: true, force: true }));
}

export const BIN = fileURLToPath(new URL('../../bin/pg-secure-setup.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeout?: number; bin?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [opts.bin ?? BIN, ...args], { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, timeout: opts.timeout ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}
