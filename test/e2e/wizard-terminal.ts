/**
 * A real terminal for end-to-end tests: a tmux session of 80x24 on its own
 * socket in a temporary directory. Keys go one per send-keys call, and each
 * waits for the screen to change instead of sleeping (FIELD-NOTES: tmux).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN } from '../helpers/cli.js';

const run = promisify(execFile);

/** Is tmux installed here? */
export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Terminal {
  private readonly sock: string;
  private constructor(private readonly sockDir: string) {
    this.sock = join(sockDir, 'sock');
  }

  /**
   * Start `argv` in `cwd` with `env` added. When the program ends the shell
   * prints EXIT=<code> and keeps the pane open, so the last frame stays readable.
   */
  static async start(cwd: string, argv: string[], env: Record<string, string> = {}): Promise<Terminal> {
    // The socket lives in a directory of its own, so cwd holds only what the program writes.
    const term = new Terminal(mkdtempSync(join(tmpdir(), 'pgss-tmux-')));
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    // CI makes Ink draw only its last frame; unset it so the test sees what a person sees.
    const envArgs = ['-u', 'CI', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
    const command = `env ${envArgs.map(quote).join(' ')} ${argv.map(quote).join(' ')}; echo "EXIT=$?"; sleep 600`;
    await run('tmux', ['-S', term.sock, 'new-session', '-d', '-x', '80', '-y', '24', '-c', cwd, command]);
    return term;
  }

  /** The visible screen as text; with `escapes`, with its colour codes. */
  async screen(escapes = false): Promise<string> {
    const { stdout } = await run('tmux', ['-S', this.sock, 'capture-pane', '-p', ...(escapes ? ['-e'] : [])]);
    return stdout;
  }

  /** Wait until the screen matches `pattern`; the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = await this.screen();
      if (pattern.test(last)) return last;
      await sleep(25);
    }
    throw new Error(`the screen never showed ${pattern}; it shows:\n${last}`);
  }

  /**
   * Send one key (a tmux key name such as Enter, Escape, Up, C-c, or one
   * character) and wait for the screen to change, or to match `expect`.
   */
  async press(key: string, expect?: RegExp, timeoutMs = 30_000): Promise<string> {
    const before = await this.screen();
    const literal = key.length === 1;
    await run('tmux', ['-S', this.sock, 'send-keys', ...(literal ? ['-l', key] : [key])]);
    const end = Date.now() + timeoutMs;
    let now = before;
    while (Date.now() < end) {
      now = await this.screen();
      if (expect ? expect.test(now) : now !== before) return now;
      await sleep(15);
    }
    throw new Error(`after ${key} the screen ${expect ? `never showed ${expect}` : 'did not change'}; it shows:\n${now}`);
  }

  /** Send one key without waiting for the screen to change (for a screen that must not change yet). */
  async send(key: string): Promise<void> {
    await run('tmux', ['-S', this.sock, 'send-keys', ...(key.length === 1 ? ['-l', key] : [key])]);
  }

  /** Type text one character at a time. */
  async type(text: string): Promise<void> {
    for (const ch of text) await this.press(ch);
  }

  /** The program's exit code, once it has ended. */
  async exitCode(timeoutMs = 60_000): Promise<number> {
    const screen = await this.waitFor(/EXIT=\d+/, timeoutMs);
    return Number(/EXIT=(\d+)/.exec(screen)![1]);
  }

  async kill(): Promise<void> {
    await run('tmux', ['-S', this.sock, 'kill-server']).catch(() => undefined);
    rmSync(this.sockDir, { recursive: true, force: true });
  }
}

/** Enter at every screen (waiting while the plan or the keys are made) until the program ends. */
export async function enterToTheEnd(term: Terminal, onScreen?: (screen: string) => void): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const screen = await term.screen();
    if (/EXIT=\d+/.test(screen)) break;
    onScreen?.(screen);
    if (/Working out the plan|Step 8 of 8/.test(screen)) await term.waitFor(/lines 1-|EXIT=\d+/);
    else await term.press('Enter');
  }
  return term.exitCode();
}

/** A fresh working directory and a terminal running the built CLI (or the one at `bin`) with `args` in it; done() removes both. */
export async function cliSession(args: string[], env: Record<string, string> = { NO_COLOR: '1' }, bin = BIN) {
  const cwd = await mkdtemp(join(tmpdir(), 'pgss-wizard-'));
  const term = await Terminal.start(cwd, [process.execPath, bin, ...args], env);
  return {
    cwd,
    term,
    done: async () => {
      await term.kill();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}
