/** Turn a Plan's files into bytes: makes the keys and certificates (pki/) and the CRLs. */
import { readFileSync } from 'node:fs';
import type { Plan, PlanFile } from '../plan/plan.js';
import { encryptKeyPem, issueAll, makeCrl, type IssuedCert } from '../pki/index.js';

/** A file ready to write. */
export interface BundleFile {
  readonly path: string;
  readonly mode: number;
  readonly bytes: Uint8Array;
}

/** Progress while keys are made: done of total, and the id just finished. */
export type KeyProgress = (done: number, total: number, id: string) => void;

function need(issued: Map<string, IssuedCert>, id: string): IssuedCert {
  const cert = issued.get(id);
  if (!cert) throw new Error(`internal: no certificate "${id}" was issued`);
  return cert;
}

/** Secrets that shape a bundle's bytes but never its Plan or answers.json. */
export interface BundleSecrets {
  /** Encrypts the keys the plan marks `encrypted` (the server key, for ssl_passphrase_command). */
  readonly keyPassphrase?: string;
}

function bytesOf(file: PlanFile, issued: Map<string, IssuedCert>, plan: Plan, secrets: BundleSecrets): Uint8Array {
  const enc = (s: string) => new TextEncoder().encode(s);
  const src = file.source;
  switch (src.kind) {
    case 'text':
      return enc(src.text);
    case 'certs':
      return enc(src.ids.map((id) => need(issued, id).certPem.trimEnd() + '\n').join(''));
    case 'key': {
      const pem = need(issued, src.id).keyPem;
      if (!src.encrypted) return enc(pem);
      if (secrets.keyPassphrase === undefined) throw new Error(`internal: ${file.path} is to be encrypted and no passphrase was given`);
      return enc(encryptKeyPem(pem, secrets.keyPassphrase));
    }
    case 'file':
      return new Uint8Array(readFileSync(src.from));
    case 'pkcs8':
      return need(issued, src.id).keyPkcs8Der;
    case 'crl':
      // A CRL that expires makes OpenSSL reject every client, so it lasts as long as its CA.
      return enc(
        src.caIds
          .map((id) => {
            const ca = need(issued, id);
            return makeCrl(ca, { thisUpdate: plan.createdAt, nextUpdate: ca.notAfter }).trimEnd() + '\n';
          })
          .join(''),
      );
  }
}

/** Make every key and certificate of the plan, then every file's bytes. */
export async function materialize(plan: Plan, onProgress?: KeyProgress, secrets: BundleSecrets = {}): Promise<{ files: BundleFile[]; issued: Map<string, IssuedCert> }> {
  const issued = await issueAll([...plan.certificates], onProgress);
  const files = plan.files.map((f) => ({ path: f.path, mode: f.mode, bytes: bytesOf(f, issued, plan, secrets) }));
  return { files, issued };
}
