/**
 * The wizard's first lines, drawn before Ink has loaded: importing Ink and
 * React takes several times as long as starting Node, and a terminal that
 * stays blank that long looks hung. Ink's first frame replaces these lines.
 * Plain text only (no Ink, no colour), so it costs nothing to import.
 */
import { stepInfo, STEP_IDS } from './steps.js';

/** Lines on screen that erase() takes away again. */
export interface Splash {
  /** Remove the lines (before Ink draws, or before an error is printed). */
  readonly erase: () => void;
}

export function splashLines(): string[] {
  return [`pg-secure-setup  Step 1 of ${STEP_IDS.length} · ${stepInfo('where').title}`, '', 'Looking at this machine (host name, PostgreSQL version)…'];
}

/**
 * Draw the splash on a terminal. Raw mode goes on at once so keys typed
 * meanwhile are not echoed; they wait in the terminal for Ink to read.
 */
export function paintSplash(stdout: NodeJS.WriteStream, stdin: NodeJS.ReadStream): Splash {
  const lines = splashLines();
  stdout.write(lines.join('\n') + '\n');
  try {
    stdin.setRawMode?.(true);
  } catch {
    /* Ink will say so itself */
  }
  let erased = false;
  return {
    erase: () => {
      if (erased) return;
      erased = true;
      // Up to the splash's first line, then clear to the end of the screen.
      stdout.write(`\u001B[${lines.length}A\r\u001B[0J`);
    },
  };
}
