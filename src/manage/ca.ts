/**
 * The kept CA of a bundle: `BUNDLE/ca` or wherever it was moved (--ca DIR).
 * Its keys are read here and handed to pki/ only; nothing prints them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaMaterial } from '../pki/index.js';
import { UsageError } from '../errors.js';
import { textOf, type LoadedBundle } from './bundle-io.js';

/** The CA certificates of a bundle, with keys when they were asked for. */
export interface CaSet {
  readonly root: CaMaterial;
  readonly intermediate: CaMaterial | undefined;
  /** The CA that signs servers and clients: the intermediate when there is one. */
  readonly issuing: CaMaterial;
  readonly issuingName: 'root' | 'intermediate';
}

async function readPem(path: string, what: string, hint: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${hint}`);
  }
}

/** The phases of a CA rollover that leave a bundle between two CAs (finish ends it). */
export type RolloverPhase = 'trust' | 'switch';

/** The bundle file that records a CA rollover under way. */
export const ROLLOVER_FILE = 'rollover.json';

/** The rollover phase the bundle is in, if any. */
export function rolloverPhase(bundle: LoadedBundle): RolloverPhase | undefined {
  const text = textOf(bundle.files, ROLLOVER_FILE);
  if (text === undefined) return undefined;
  const phase = (JSON.parse(text) as { phase?: unknown }).phase;
  if (phase !== 'trust' && phase !== 'switch') throw new UsageError(`${bundle.dir}/${ROLLOVER_FILE}: unknown phase ${JSON.stringify(phase)}`);
  return phase;
}

/** The directory of the kept CA. */
export function caDirOf(bundle: LoadedBundle, caDir: string | undefined): string {
  return caDir ?? join(bundle.dir, 'ca');
}

/**
 * Load the CA that signs for this bundle (keys included): during a rollover's
 * switch phase the new one (`next/` in the CA directory). Self-signed
 * bundles and missing keys are usage errors.
 */
export async function loadCa(bundle: LoadedBundle, caDir: string | undefined, generation?: 'current' | 'next'): Promise<CaSet> {
  if (bundle.answers.pki === 'self-signed') {
    throw new UsageError(`${bundle.dir}: a self-signed bundle has no CA to sign with; make a new bundle with a CA (generate --pki ca) to issue, revoke or renew certificates`);
  }
  const useNext = (generation ?? (rolloverPhase(bundle) === 'switch' ? 'next' : 'current')) === 'next';
  const dir = useNext ? join(caDirOf(bundle, caDir), 'next') : caDirOf(bundle, caDir);
  const hint = caDir ? 'check --ca DIR' : 'if the CA was moved offline, pass --ca DIR where it is now';
  const pair = async (name: string): Promise<CaMaterial> => ({
    certPem: await readPem(join(dir, `${name}.crt`), `${name} CA certificate`, hint),
    keyPem: await readPem(join(dir, `${name}.key`), `${name} CA private key`, hint),
  });
  const root = await pair('root');
  const intermediate = bundle.answers.pki === 'ca-intermediate' ? await pair('intermediate') : undefined;
  return { root, intermediate, issuing: intermediate ?? root, issuingName: intermediate ? 'intermediate' : 'root' };
}

/** PEM blocks of a certificate file, in order (leaf first in server.crt). */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)].map((m) => m[0].trimEnd() + '\n');
}
