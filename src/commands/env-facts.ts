/** Facts about this machine that answers default to: host names, the installed PostgreSQL version. */
import { type ChildProcess, execFile } from 'node:child_process';
import { hostname } from 'node:os';
import type { EnvFacts } from '../answers/questions.js';
import { checkHost } from '../answers/validate.js';

/** Major version from `pg_config --version` or `postgres --version` output. */
export function parsePgVersion(text: string): number | undefined {
  const m = /PostgreSQL\)?\s+(\d+)(?:\.\d+)?/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Commands still running when the process ends (Ctrl+C while hostname -f waits on DNS) end with it. */
const running = new Set<ChildProcess>();
let endWithProcess = false;

/** A command's standard output, or undefined when it is missing, fails or times out. */
function outputOf(cmd: string, args: readonly string[], timeout: number): Promise<string | undefined> {
  if (!endWithProcess) {
    endWithProcess = true;
    process.once('exit', () => {
      for (const child of running) child.kill();
    });
  }
  return new Promise((resolve) => {
    const child = execFile(cmd, [...args], { encoding: 'utf8', timeout }, (err, stdout) => {
      running.delete(child);
      resolve(err ? undefined : stdout);
    });
    running.add(child);
  });
}

async function detectPgVersion(): Promise<number | undefined> {
  // pg_config first; postgres only when pg_config is missing or says nothing usable.
  for (const cmd of ['pg_config', 'postgres']) {
    const text = await outputOf(cmd, ['--version'], 3000);
    const v = text === undefined ? undefined : parsePgVersion(text);
    if (v) return v;
  }
  return undefined;
}

async function fqdnOf(name: string): Promise<string | undefined> {
  const fq = (await outputOf('hostname', ['-f'], 2000))?.trim();
  return fq && fq !== name ? fq : undefined;
}

const usable = (h: string | undefined) => (h && !checkHost(h) ? h : undefined);

/** The facts from what was found; the FQDN only when it is usable and not the short name again. */
function factsOf(name: string, detectedPgVersion: number | undefined, fqdn: string | undefined): EnvFacts {
  const facts: EnvFacts = {};
  const hn = usable(name);
  if (hn) facts.hostname = hn;
  const fq = usable(fqdn);
  if (fq && fq !== hn) facts.fqdn = fq;
  if (detectedPgVersion) facts.detectedPgVersion = detectedPgVersion;
  return facts;
}

/**
 * Facts in two stages: `first` (the version, the short host name) for the
 * first screen; `full()` adds the FQDN, looking it up on its first call
 * (`hostname -f` may wait seconds on DNS, and the first frame should not
 * pay even for starting it).
 */
export interface StagedEnvFacts {
  readonly first: Promise<EnvFacts>;
  readonly full: () => Promise<EnvFacts>;
}

/** The wizard's facts, staged; `detectVersion: false` skips pg_config when the version is already known. Nothing here rejects. */
export function stagedEnvFacts(opts: { detectVersion?: boolean } = {}): StagedEnvFacts {
  const name = hostname();
  const version = opts.detectVersion === false ? Promise.resolve(undefined) : detectPgVersion();
  let full: Promise<EnvFacts> | undefined;
  return {
    first: version.then((v) => factsOf(name, v, undefined)),
    full: () => (full ??= Promise.all([version, fqdnOf(name)]).then(([v, fq]) => factsOf(name, v, fq))),
  };
}

/** Facts for defaults; `detectVersion: false` skips running pg_config when the version is already known. */
export async function gatherEnvFacts(opts: { fqdn?: boolean; detectVersion?: boolean } = {}): Promise<EnvFacts> {
  const name = hostname();
  const [detectedPgVersion, fqdn] = await Promise.all([opts.detectVersion === false ? undefined : detectPgVersion(), opts.fqdn ? fqdnOf(name) : undefined]);
  return factsOf(name, detectedPgVersion, fqdn);
}
