// All X.509 work lives behind this module; it is the only one that imports
// node-forge, so a change of library touches this folder alone.
export type { CertInfo, CertKind, CertRequest, CrlOptions, IssuedCert, KeyBits } from './types.js';
export { issueAll, issueFromCa, type CaMaterial } from './certs.js';
export { makeCrl, signCrl } from './crl.js';
export { inspectCertificate, keyMatchesCertificate, normalizeIp, issuedBy } from './inspect.js';
export { encryptKeyPem } from './keys.js';
export { checkServerCertificate, pemCertificates, type CertProblem, type ServerCertInput } from './chain.js';
export { crlSignedBy, readCrls, subjectDerHex, type CrlInfo } from './crl-read.js';
