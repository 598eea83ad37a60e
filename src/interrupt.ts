/**
 * Ctrl+C, a closed terminal (SIGHUP) and SIGTERM end the process at once,
 * leaving nothing half-written. process.exit would first wait for work
 * still running in libuv's thread pool (key generation: seconds for 4096
 * bits; a read from an --answers FIFO that never ends: forever), so: run
 * the exit hooks (they remove staging directories, restore files an apply
 * had changed, release locks), then end by the same signal with its default
 * action, as a shell sees it (status 128 + the signal's number).
 */

/** The signals that end a run the way Ctrl+C does. */
export const QUIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** One of QUIT_SIGNALS. */
export type QuitSignal = (typeof QUIT_SIGNALS)[number];

const STATUS: Record<QuitSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
let quitting = false;

/** Run the exit hooks once, then end by `signal`. */
export function quitNow(signal: QuitSignal = 'SIGINT'): Promise<never> {
  if (!quitting) {
    quitting = true;
    process.exitCode = STATUS[signal];
    process.emit('exit', STATUS[signal]);
  }
  // Default action from now on, for every quitting signal: a second one must not run the hooks again.
  for (const s of QUIT_SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, signal);
  return new Promise<never>(() => undefined);
}
