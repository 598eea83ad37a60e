/** Facts about this machine that answers default to: host names, the installed PostgreSQL version. */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import type { EnvFacts } from '../answers/questions.js';
import { checkHost } from '../answers/validate.js';

const run = promisify(execFile);

/** Major version from `pg_config --version` or `postgres --version` output. */
export function parsePgVersion(text: string): number | undefined {
  const m = /PostgreSQL\)?\s+(\d+)(?:\.\d+)?/.exec(text);
  return m ? Number(m[1]) : undefined;
}

async function detectPgVersion(): Promise<number | undefined> {
  for (const [cmd, args] of [['pg_config', ['--version']], ['postgres', ['--version']]] as const) {
    try {
      const { stdout } = await run(cmd, [...args], { timeout: 3000 });
      const v = parsePgVersion(stdout);
      if (v) return v;
    } catch {
      /* not installed here: ask instead */
    }
  }
  return undefined;
}

async function fqdnOf(name: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('hostname', ['-f'], { timeout: 2000 });
    const fq = stdout.trim();
    return fq && fq !== name ? fq : undefined;
  } catch {
    return undefined;
  }
}

/** Facts for defaults; `detectVersion: false` skips running pg_config when the version is already known. */
export async function gatherEnvFacts(opts: { fqdn?: boolean; detectVersion?: boolean } = {}): Promise<EnvFacts> {
  const name = hostname();
  const [detectedPgVersion, fqdn] = await Promise.all([opts.detectVersion === false ? undefined : detectPgVersion(), opts.fqdn ? fqdnOf(name) : undefined]);
  const usable = (h: string | undefined) => (h && !checkHost(h) ? h : undefined);
  const facts: EnvFacts = {};
  const hn = usable(name);
  if (hn) facts.hostname = hn;
  const fq = usable(fqdn);
  if (fq && fq !== hn) facts.fqdn = fq;
  if (detectedPgVersion) facts.detectedPgVersion = detectedPgVersion;
  return facts;
}
