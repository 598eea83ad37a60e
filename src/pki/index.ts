// All X.509 work lives behind this module; it is the only one that imports
// node-forge, so a change of library touches this folder alone.
export type { CertInfo, CertKind, CertRequest, CrlOptions, IssuedCert, KeyBits } from './types.js';
export { issueAll } from './certs.js';
export { makeCrl } from './crl.js';
export { encryptKeyPem } from './keys.js';
export { inspectCertificate, keyMatchesCertificate } from './inspect.js';
export { checkServerCertificate, pemCertificates, type CertProblem, type ServerCertInput } from './chain.js';
