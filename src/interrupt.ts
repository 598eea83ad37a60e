/**
 * Ctrl+C ends the process at once, leaving nothing half-written.
 * process.exit would first wait for key generation still running in libuv's
 * thread pool (seconds for 4096 bits), so: run the exit hooks (they remove
 * staging directories and restore files an apply had changed), then end by
 * SIGINT with its default action, as a shell sees Ctrl+C (status 130).
 */
export function quitNow(): Promise<never> {
  process.exitCode = 130;
  process.emit('exit', 130);
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
  return new Promise<never>(() => undefined);
}
