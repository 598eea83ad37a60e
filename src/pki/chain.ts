/**
 * Is a server certificate fit to install: its key belongs to it, it is valid
 * now, and it chains to the CA file clients are given (18.9.1, 18.9.5;
 * libpq checks the same chain under verify-ca/verify-full, 32.19.1).
 * node:crypto's X509Certificate does the reading and signature checks.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

/** Every PEM certificate in a text, in order (server.crt holds the leaf, then intermediates). */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
}

/** What to check: the PEM texts of server.crt, server.key (omit when encrypted) and root.crt. */
export interface ServerCertInput {
  readonly certPem: string;
  readonly keyPem?: string;
  readonly caPem?: string;
  readonly now: Date;
}

/** A problem and the bundle file it is about. */
export interface CertProblem {
  readonly file: 'server.crt' | 'server.key' | 'root.crt';
  readonly message: string;
}

function parse(pem: string): X509Certificate | string {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    return (err as Error).message;
  }
}

function validity(x: X509Certificate, what: string, now: Date): string | undefined {
  if (new Date(x.validTo) < now) return `${what} expired on ${x.validTo}: clients and the server's checks refuse it`;
  if (new Date(x.validFrom) > now) return `${what} is not valid before ${x.validFrom}: check this machine's clock, or issue it again`;
  return undefined;
}

const issuedBy = (child: X509Certificate, parent: X509Certificate): boolean => child.checkIssued(parent) && child.verify(parent.publicKey);

/** Problems with a server certificate, its key and its chain ([] when fit). */
export function checkServerCertificate(input: ServerCertInput): CertProblem[] {
  const problems: CertProblem[] = [];
  const pems = pemCertificates(input.certPem);
  const parsed = pems.map(parse);
  const leaf = parsed[0];
  if (leaf === undefined || typeof leaf === 'string') {
    return [{ file: 'server.crt', message: `not a PEM certificate${typeof leaf === 'string' ? ` (${leaf})` : ''}` }];
  }
  const bad = parsed.findIndex((p) => typeof p === 'string');
  if (bad > 0) return [{ file: 'server.crt', message: `certificate ${bad + 1} in the file cannot be read (${String(parsed[bad])})` }];
  const chain = parsed as X509Certificate[];
  if (input.keyPem !== undefined) {
    let matches = false;
    try {
      matches = leaf.checkPrivateKey(createPrivateKey(input.keyPem));
    } catch (err) {
      problems.push({ file: 'server.key', message: `not a private key (${(err as Error).message})` });
    }
    if (!matches && problems.length === 0) problems.push({ file: 'server.key', message: 'does not belong to server/server.crt: the server would refuse to load them' });
  }
  chain.forEach((x, i) => {
    const msg = validity(x, i === 0 ? 'the certificate' : `intermediate ${i} (${x.subject.replace(/\n/g, ', ')})`, input.now);
    if (msg) problems.push({ file: 'server.crt', message: msg });
  });
  if (input.caPem === undefined) return problems;
  const anchors = pemCertificates(input.caPem).map(parse).filter((p): p is X509Certificate => typeof p !== 'string');
  if (anchors.length === 0) return [...problems, { file: 'root.crt', message: 'holds no readable PEM certificate' }];
  // Walk up from the leaf through the file's own intermediates until an anchor signed the current one.
  let current = leaf;
  const rest = chain.slice(1);
  for (let depth = 0; depth <= rest.length; depth++) {
    if (anchors.some((a) => a.fingerprint256 === current.fingerprint256 || issuedBy(current, a))) return problems;
    const next = rest.find((c) => issuedBy(current, c));
    if (!next) break;
    current = next;
  }
  problems.push({ file: 'server.crt', message: `does not chain to server/root.crt (issuer "${current.issuer.replace(/\n/g, ', ')}" is not among its certificates): clients that trust root.crt would refuse the server` });
  return problems;
}
