import { sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { derOf, lf, OID, reusableSubject, wholeSeconds } from './der.js';
import type { SanEntry } from './hosts.js';
import { generateRsaKey, randomSerialHex, rsaKeyFromPem, toPkcs1Pem, toPkcs8Der, type RsaKey } from './keys.js';
import { planRequests, type PlannedCert } from './requests.js';
import type { CertKind, CertRequest, IssuedCert } from './types.js';

/** forge's TBSCertificate builder exists at runtime but is missing from @types/node-forge. */
const getTbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 })
  .getTBSCertificate;

const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;

/** What a signed certificate passes on to the ones it signs. */
interface Signer {
  readonly key: RsaKey;
  readonly subject: forge.pki.CertificateField[];
  readonly subjectText: string;
}

/**
 * Generate every key (async, in parallel) then sign in dependency order.
 * onProgress(doneCount, total, id) is called as each key finishes, so a UI
 * can animate. Every request is checked before any key is generated.
 */
export async function issueAll(
  requests: CertRequest[],
  onProgress?: (done: number, total: number, id: string) => void,
): Promise<Map<string, IssuedCert>> {
  const plan = planRequests(requests);
  const keys = new Map<string, RsaKey>();
  let done = 0;
  await Promise.all(
    plan.map(async ({ request }) => {
      keys.set(request.id, await generateRsaKey(request.keyBits));
      done += 1;
      onProgress?.(done, plan.length, request.id);
    }),
  );

  const signers = new Map<string, Signer>();
  const issued = new Map<string, IssuedCert>();
  for (const p of plan) {
    const key = keys.get(p.request.id);
    if (!key) throw new Error(`No key for "${p.request.id}".`);
    const result = await issueOne(p, key, signers);
    signers.set(p.request.id, result.signer);
    issued.set(p.request.id, result.cert);
  }
  // Hand results back in the caller's order.
  return new Map(requests.map((r) => [r.id, issued.get(r.id) as IssuedCert]));
}

async function issueOne(
  p: PlannedCert,
  key: RsaKey,
  signers: ReadonlyMap<string, Signer>,
): Promise<{ cert: IssuedCert; signer: Signer }> {
  const { request } = p;
  const subject = subjectFields(p.commonName, request.organization);
  const subjectText = readableName(p.commonName, request.organization);
  const self: Signer = { key, subject, subjectText };
  const issuer = request.issuer === undefined ? self : signers.get(request.issuer);
  if (!issuer) throw new Error(`Certificate request "${request.id}": issuer "${request.issuer}" was not signed first.`);

  const cert = forge.pki.createCertificate();
  cert.version = 2; // v3
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = wholeSeconds(request.notBefore);
  cert.validity.notAfter = wholeSeconds(request.notAfter);
  cert.setSubject(subject);
  cert.setIssuer(issuer.subject);
  cert.publicKey = key.publicKey; // before setExtensions: forge derives subjectKeyIdentifier from it
  cert.setExtensions(extensionsFor(request.kind, p.san, issuer === self ? undefined : issuer.key.keyId));
  await signCertificate(cert, issuer.key.keyObject);

  return {
    signer: self,
    cert: {
      id: request.id,
      kind: request.kind,
      certPem: lf(forge.pki.certificateToPem(cert)),
      keyPem: lf(toPkcs1Pem(key)),
      keyPkcs8Der: toPkcs8Der(key),
      serialHex: cert.serialNumber,
      subject: subjectText,
      issuer: issuer.subjectText,
      notBefore: cert.validity.notBefore,
      notAfter: cert.validity.notAfter,
    },
  };
}

/**
 * Extensions per kind (RFC 5280 4.2.1). `issuerKeyId` is the issuer's
 * subjectKeyIdentifier; forge's `keyIdentifier: true` would write the
 * subject's own key id, so the bytes are passed in. Self-signed
 * certificates carry no authorityKeyIdentifier (RFC 5280 4.2.1.1 allows it).
 */
function extensionsFor(kind: CertKind, san: readonly SanEntry[], issuerKeyId: string | undefined): object[] {
  const exts: object[] = [];
  switch (kind) {
    case 'root-ca':
      exts.push({ name: 'basicConstraints', critical: true, cA: true });
      exts.push({ name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true });
      break;
    case 'intermediate-ca':
      exts.push({ name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 });
      exts.push({ name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true });
      break;
    // self-signed-server gets exactly the server leaf's extensions: CA:FALSE
    // and no keyCertSign. OpenSSL 3.0 trusts a self-signed certificate in the
    // trust store as an anchor without CA:TRUE (`openssl verify -x509_strict
    // -purpose sslserver -CAfile server.crt server.crt` passes, and so does
    // libpq 15 sslmode=verify-full). CA:TRUE + keyCertSign passes as well, but
    // would let whoever holds server.key issue certificates for any host that
    // clients trusting root.crt accept; with CA:FALSE OpenSSL refuses that
    // ("invalid CA certificate"). Tests: test/pki/pki.test.ts, postgres.test.ts.
    case 'server':
    case 'self-signed-server':
    case 'client':
      exts.push({ name: 'basicConstraints', critical: true, cA: false });
      exts.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true });
      exts.push({ name: 'extKeyUsage', [kind === 'client' ? 'clientAuth' : 'serverAuth']: true });
      break;
  }
  if (san.length > 0) {
    exts.push({
      name: 'subjectAltName',
      altNames: san.map((s) =>
        s.type === 'dns' ? { type: 2, value: s.value } : { type: 7, value: Buffer.from(s.bytes).toString('binary') },
      ),
    });
  }
  exts.push({ name: 'subjectKeyIdentifier' });
  if (issuerKeyId !== undefined) exts.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerKeyId });
  return exts;
}

/**
 * Sign with node:crypto (thread pool, ~1 ms) rather than forge's cert.sign,
 * which is pure JavaScript and holds the event loop ~0.3 s per 4096-bit
 * signature.
 */
async function signCertificate(cert: forge.pki.Certificate, key: KeyObject): Promise<void> {
  cert.siginfo.algorithmOid = OID.sha256WithRSAEncryption;
  cert.signatureOid = OID.sha256WithRSAEncryption;
  cert.tbsCertificate = getTbsCertificate(cert);
  const tbs = derOf(cert.tbsCertificate);
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign('sha256', tbs, key, (err, sig) => (err ? reject(err) : resolve(sig))),
  );
  cert.signature = signature.toString('binary');
}

/** O then CN (RFC 4514 prints them reversed: "CN=..., O=..."), UTF8String so any role name fits. */
function subjectFields(commonName: string, organization: string | undefined): forge.pki.CertificateField[] {
  const fields: forge.pki.CertificateField[] = [];
  if (organization) fields.push({ name: 'organizationName', value: organization, valueTagClass: utf8 });
  fields.push({ name: 'commonName', value: commonName, valueTagClass: utf8 });
  return fields;
}

function readableName(commonName: string, organization: string | undefined): string {
  const parts = [`CN=${escapeRdn(commonName)}`];
  if (organization) parts.push(`O=${escapeRdn(organization)}`);
  return parts.join(', ');
}

/** RFC 4514 2.4 escaping, so a name with a comma stays readable. */
function escapeRdn(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

/** An existing CA to sign with: its certificate and private key, PEM. */
export interface CaMaterial {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Issue one server or client certificate from an existing CA (a kept
 * bundle's `ca/`). A new key is made unless `keyPem` is given (renewing a
 * server certificate on the same key). The request's issuer is ignored.
 */
export async function issueFromCa(request: CertRequest, ca: CaMaterial, keyPem?: string): Promise<IssuedCert> {
  // The key is made in the thread pool while the CA is read and the request checked.
  const pendingKey = keyPem === undefined ? generateRsaKey(request.keyBits) : Promise.resolve(rsaKeyFromPem(keyPem));
  pendingKey.catch(() => undefined); // a check below may throw first; the rejection is not lost, it is awaited there
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = rsaKeyFromPem(ca.keyPem);
  if (forge.pki.publicKeyToPem(caCert.publicKey) !== forge.pki.publicKeyToPem(caKey.publicKey)) {
    throw new Error('issueFromCa: the CA key does not belong to the CA certificate.');
  }
  const attrs = caCert.subject.attributes as forge.pki.CertificateField[];
  const attr = (short: string) => reusableSubject(caCert)[attrs.findIndex((f) => f.shortName === short)]?.value as string | undefined;
  const caId = '\0ca';
  // Planned beside a stand-in CA request so the usual checks (kinds, dates, hosts) apply.
  const stand: CertRequest = { id: caId, kind: 'root-ca', commonName: 'ca', notBefore: request.notBefore, notAfter: request.notAfter, keyBits: request.keyBits };
  const planned = planRequests([stand, { ...request, issuer: caId }]).find((p) => p.request.id === request.id)!;
  const signer: Signer = {
    key: caKey,
    subject: reusableSubject(caCert),
    subjectText: readableName(attr('CN') ?? '', attr('O')),
  };
  return (await issueOne(planned, await pendingKey, new Map([[caId, signer]]))).cert;
}
