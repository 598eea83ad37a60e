import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { KeyBits } from './types.js';

/** An RSA key pair in the forms the rest of src/pki needs. */
export interface RsaKey {
  readonly privateKey: forge.pki.rsa.PrivateKey;
  readonly publicKey: forge.pki.rsa.PublicKey;
  /** The same private key for node:crypto signing. */
  readonly keyObject: KeyObject;
  /** Key identifier (RFC 5280 4.2.1.2 method 1) as a binary string. */
  readonly keyId: string;
}

/**
 * Generate an RSA key without blocking the event loop.
 *
 * forge's async generateKeyPair hands the work to node:crypto's
 * generateKeyPair (libuv thread pool) as long as no `prng` option is passed,
 * `forge.options.usePureJavaScript` stays false and e is 65537. node-forge is
 * CommonJS, so its `require('crypto')` works under ESM too; the tests time it
 * (~0.25 s per 2048-bit key, parallel faster than sequential). The pure-JS
 * fallback would take a minute for 4096 bits.
 */
export function generateRsaKey(bits: KeyBits): Promise<RsaKey> {
  return new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 }, (err, pair) => {
      if (err) {
        reject(new Error(`RSA ${bits}-bit key generation failed: ${err.message}`));
        return;
      }
      try {
        resolve(fromForge(pair.privateKey, pair.publicKey));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/** Wrap forge key objects (also used to read a key back from PEM). */
export function fromForge(privateKey: forge.pki.rsa.PrivateKey, publicKey: forge.pki.rsa.PublicKey): RsaKey {
  const keyObject = createPrivateKey(forge.pki.privateKeyToPem(privateKey));
  return { privateKey, publicKey, keyObject, keyId: keyIdentifier(publicKey) };
}

/** Read an RSA private key (PKCS#1 or unencrypted PKCS#8 PEM). */
export function rsaKeyFromPem(pem: string): RsaKey {
  const privateKey = forge.pki.privateKeyFromPem(pem);
  return fromForge(privateKey, forge.pki.setRsaPublicKey(privateKey.n, privateKey.e));
}

/** SHA-1 of the subjectPublicKey BIT STRING contents, the same value forge writes as subjectKeyIdentifier. */
export function keyIdentifier(publicKey: forge.pki.rsa.PublicKey): string {
  return forge.pki.getPublicKeyFingerprint(publicKey, { type: 'RSAPublicKey' }).getBytes();
}

/** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"). */
export function toPkcs1Pem(key: RsaKey): string {
  return forge.pki.privateKeyToPem(key.privateKey);
}

/**
 * The key as encrypted PKCS#8 PEM ("BEGIN ENCRYPTED PRIVATE KEY"): PBES2
 * with AES-256-CBC, the form PostgreSQL unlocks through
 * ssl_passphrase_command (18.9.1). node:crypto's OpenSSL writes it.
 */
export function encryptKeyPem(keyPem: string, passphrase: string): string {
  return createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

/** Unencrypted PKCS#8 DER. */
export function toPkcs8Der(key: RsaKey): Uint8Array {
  const der = forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key.privateKey)));
  return new Uint8Array(Buffer.from(der.getBytes(), 'binary'));
}

/**
 * A 16-byte serial from the CSPRNG, positive (RFC 5280 4.1.2.2: top bit
 * clear) and with a non-zero first byte so its DER stays 16 bytes long.
 */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) || 0x01;
  return bytes.toString('hex');
}
