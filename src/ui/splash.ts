/**
 * The wizard's first lines, drawn before Ink has loaded: importing Ink and
 * React takes several times as long as starting Node, and a terminal that
 * stays blank that long looks hung. Ink's first frame replaces these lines.
 * Plain text only (no Ink, no colour), so it costs nothing to import.
 */
import { stepInfo, STEP_IDS } from '../wizard/steps.js';

/** Lines on screen that erase() takes away again. */
export interface Splash {
  /** Remove the lines (before Ink draws, or before an error is printed). */
  readonly erase: () => void;
}

/** What the wizard says while it waits for a server named with --connect or --from-server. */
export const ASKING_SERVER = 'Asking the server (its version, paths and roles still on md5)…';

/** The splash; `askingServer` when a server is asked before the first step. */
export function splashLines(askingServer = false): string[] {
  return [`pg-secure-setup  Step 1 of ${STEP_IDS.length} · ${stepInfo('where').title}`, '', askingServer ? ASKING_SERVER : 'Looking at this machine (host name, PostgreSQL version)…'];
}

/** What the splash shows and listens for. */
export interface SplashOptions {
  /** A server is asked before the first step (--connect, --from-server). @default false */
  readonly askingServer?: boolean;
  /**
   * Called on Ctrl+C while the splash is up. In raw mode Ctrl+C is a key,
   * not a signal, and nobody reads keys until Ink does: a wait that may be
   * long (a server to ask) must listen for it. Other keys typed meanwhile
   * are handed back to stdin for Ink.
   */
  readonly onCtrlC?: (() => void) | undefined;
}

/**
 * Draw the splash on a terminal. Raw mode goes on at once so keys typed
 * meanwhile are not echoed; they wait in the terminal for Ink to read.
 */
export function paintSplash(stdout: NodeJS.WriteStream, stdin: NodeJS.ReadStream, { askingServer = false, onCtrlC }: SplashOptions = {}): Splash {
  const lines = splashLines(askingServer);
  stdout.write(lines.join('\n') + '\n');
  try {
    stdin.setRawMode?.(true);
  } catch {
    /* Ink will say so itself */
  }
  // Keys are read with 'readable', not 'data': pausing a flowing process.stdin stops its handle a tick
  // later, after Ink has started listening, and Ink would then never read a key.
  const held: Buffer[] = [];
  let watching = false;
  const onReadable = () => {
    let chunk: Buffer | string | null;
    while (watching && (chunk = stdin.read() as Buffer | string | null) !== null) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (bytes.includes(0x03)) {
        erase();
        onCtrlC?.();
        return;
      }
      held.push(bytes);
    }
  };
  const stopWatching = () => {
    if (!watching) return;
    watching = false;
    stdin.off('readable', onReadable);
    if (held.length > 0) stdin.unshift(Buffer.concat(held));
    // As Ink leaves stdin when it stops reading (it refs it again when it starts): an error now must not keep the process alive.
    stdin.unref?.();
  };
  if (onCtrlC && stdin.isTTY) {
    watching = true;
    stdin.on('readable', onReadable);
  }
  let erased = false;
  const erase = () => {
    stopWatching();
    if (erased) return;
    erased = true;
    // Up to the splash's first line, then clear to the end of the screen.
    stdout.write(`\u001B[${lines.length}A\r\u001B[0J`);
  };
  return { erase };
}
