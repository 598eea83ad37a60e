/**
 * The commands whose output the answers default to: `pg_config --version`
 * (else `postgres --version`) for the PostgreSQL version, `hostname -f` for
 * the host's full name. cli.ts starts them for the wizard before the
 * wizard's code loads, so they run while it does; a probe nobody awaits
 * does not keep the process alive (--help, a bad flag, the manage menu end
 * at once), and one that hangs (a DNS lookup) is killed after its timeout.
 */
import { type ChildProcess, execFile } from 'node:child_process';

/** A command's standard output, or undefined when it failed, is missing or timed out. */
export type Probe = () => Promise<string | undefined>;

const VERSION_TIMEOUT_MS = 3000;
const FQDN_TIMEOUT_MS = 2000;

type Refable = { ref?: () => void; unref?: () => void };

/** Run `cmd` now; the returned probe resolves with its output and keeps the process alive while awaited. */
function start(cmd: string, args: readonly string[], timeoutMs: number): Probe {
  let child: ChildProcess | undefined;
  const output = new Promise<string | undefined>((resolve) => {
    child = execFile(cmd, [...args], { encoding: 'utf8' }, (err, stdout) => {
      clearTimeout(timer);
      resolve(err ? undefined : stdout);
    });
  });
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

let early: { version?: Probe | undefined; fqdn?: Probe | undefined } = {};
/** Set once a probe is awaited: starting early after that would only run the commands twice. */
let asked = false;

/** The output of `pg_config --version`; the run cli.ts started if there is one. */
export function pgConfigOutput(): Promise<string | undefined> {
  const probe = early.version ?? start('pg_config', ['--version'], VERSION_TIMEOUT_MS);
  early.version = undefined;
  asked = true;
  return probe();
}

/** The output of `postgres --version` (asked only when pg_config did not say). */
export function postgresVersionOutput(): Promise<string | undefined> {
  return start('postgres', ['--version'], VERSION_TIMEOUT_MS)();
}

/** The output of `hostname -f`; the run cli.ts started if there is one. */
export function fqdnOutput(): Promise<string | undefined> {
  const probe = early.fqdn ?? start('hostname', ['-f'], FQDN_TIMEOUT_MS);
  early.fqdn = undefined;
  asked = true;
  return probe();
}

/**
 * Start the probes the wizard will await for these arguments (its argv
 * after the command name): none without a terminal (it then asks nothing
 * or runs generate) or with --help; no version probe with --pg-version.
 */
export function startWizardProbes(argv: readonly string[], stdin: { isTTY?: boolean } = process.stdin): void {
  if (asked || !stdin.isTTY || argv.some((a) => a === '-h' || a === '--help')) return;
  const versionGiven = argv.some((a) => a === '--pg-version' || a.startsWith('--pg-version='));
  // hostname -f is not started here: the wizard looks the FQDN up after its first frame.
  if (!versionGiven) early = { version: start('pg_config', ['--version'], VERSION_TIMEOUT_MS) };
}
