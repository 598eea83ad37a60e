/**
 * Helpers for Ink tests: keys as named constants, writes wrapped in act() so
 * React has run its effects before the next key (see FIELD-NOTES), and
 * frames without escape codes.
 */
import { act } from 'react';
import { stripVTControlCharacters } from 'node:util';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export const KEY = {
  enter: '\r',
  escape: '\u001B',
  up: '\u001B[A',
  down: '\u001B[B',
  backspace: '\u007F',
  ctrlC: '\u0003',
  ctrlU: '\u0015',
} as const;

/** Write one key (or a typed string) and let React settle. */
export async function press(stdin: { write: (data: string) => void }, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    await act(async () => {
      stdin.write(key);
    });
  }
}

/** Let pending promises and effects run (services resolving, timers at 0). */
export async function settle(ms = 0): Promise<void> {
  await act(async () => {
    await new Promise((r) => setTimeout(r, ms));
  });
}

export function plain(frame: string | undefined): string {
  return stripVTControlCharacters(frame ?? '');
}

/** Wait until the frame matches, giving React a turn between looks. */
export async function waitForFrame(lastFrame: () => string | undefined, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const frame = plain(lastFrame());
    if (pattern.test(frame)) return frame;
    if (Date.now() > end) throw new Error(`frame never matched ${pattern}:\n${frame}`);
    await settle(20);
  }
}
