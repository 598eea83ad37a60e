/** Facts about this machine that answers default to: host names, the installed PostgreSQL version. */
import { hostname } from 'node:os';
import type { EnvFacts } from '../answers/questions.js';
import { checkHost } from '../answers/validate.js';
import { fqdnOutput, pgConfigOutput, postgresVersionOutput } from './env-probes.js';

/** Major version from `pg_config --version` or `postgres --version` output. */
export function parsePgVersion(text: string): number | undefined {
  const m = /PostgreSQL\)?\s+(\d+)(?:\.\d+)?/.exec(text);
  return m ? Number(m[1]) : undefined;
}

async function detectPgVersion(): Promise<number | undefined> {
  // pg_config first; postgres only when pg_config is missing or says nothing usable.
  for (const output of [pgConfigOutput, postgresVersionOutput]) {
    const text = await output();
    const v = text === undefined ? undefined : parsePgVersion(text);
    if (v) return v;
  }
  return undefined;
}

async function fqdnOf(name: string): Promise<string | undefined> {
  const fq = (await fqdnOutput())?.trim();
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
