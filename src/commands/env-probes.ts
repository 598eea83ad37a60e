/**
 * The commands whose output the answers default to: `pg_config --version`
 * (else `postgres --version`) for the PostgreSQL version, `hostname -f` for
 * the host's full name. cli.ts starts pg_config for the wizard before the
 * wizard's code loads, so it runs while that loads. A probe nobody awaits
 * does not keep the process alive (a bad flag or the manage menu end at
 * once) and ends with it; one that hangs (a DNS lookup) is killed after its
 * timeout.
 */
import { type ChildProcess, execFile } from 'node:child_process';

/** A command's standard output, or undefined when it failed, is missing or timed out. */
export type Probe = () => Promise<string | undefined>;

const VERSION_TIMEOUT_MS = 3000;
const FQDN_TIMEOUT_MS = 2000;

type Refable = { ref?: () => void; unref?: () => void };

/** Commands still running: ended with the process, which no longer waits for them. */
const live = new Set<ChildProcess>();
let endWithProcess = false;

/** Run `cmd` now; the returned probe resolves with its output and keeps the process alive while awaited. */
function start(cmd: string, args: readonly string[], timeoutMs: number): Probe {
  let child: ChildProcess | undefined;
  const output = new Promise<string | undefined>((resolve) => {
    child = execFile(cmd, [...args], { encoding: 'utf8' }, (err, stdout) => {
      clearTimeout(timer);
      if (child) live.delete(child);
      resolve(err ? undefined : stdout);
    });
  });
  if (child) live.add(child);
  if (!endWithProcess) {
    endWithProcess = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGTERM');
    });
  }
  // Own timer rather than execFile's: its timer would hold the process open until the command ends.
  const timer = setTimeout(() => child?.kill('SIGTERM'), timeoutMs);
  timer.unref();
  const handles = () => [child, child?.stdout, child?.stderr] as (Refable | null | undefined)[];
  for (const h of handles()) h?.unref?.();
  return () => {
    for (const h of handles()) h?.ref?.();
    return output;
  };
}

/** pg_config as started by startWizardProbes, until it is awaited. */
let early: Probe | undefined;

/** The output of `pg_config --version`; the run cli.ts started if there is one. */
export function pgConfigOutput(): Promise<string | undefined> {
  const probe = early ?? start('pg_config', ['--version'], VERSION_TIMEOUT_MS);
  early = undefined;
  return probe();
}

/** The output of `postgres --version` (asked only when pg_config did not say). */
export function postgresVersionOutput(): Promise<string | undefined> {
  return start('postgres', ['--version'], VERSION_TIMEOUT_MS)();
}

/** The output of `hostname -f` (the wizard asks after its first frame: DNS may take seconds). */
export function fqdnOutput(): Promise<string | undefined> {
  return start('hostname', ['-f'], FQDN_TIMEOUT_MS)();
}

/**
 * Start pg_config if the wizard will await it for these arguments (its
 * argv after the command name): not without a terminal (it then asks
 * nothing or runs generate), with --help, or with --pg-version.
 */
export function startWizardProbes(argv: readonly string[], stdin: { isTTY?: boolean } = process.stdin): void {
  if (!stdin.isTTY || argv.some((a) => a === '-h' || a === '--help')) return;
  if (argv.some((a) => a === '--pg-version' || a.startsWith('--pg-version='))) return;
  early = start('pg_config', ['--version'], VERSION_TIMEOUT_MS);
}
