import { createPrivateKey } from 'node:crypto';
import test from 'ava';
import { inspectCertificate, issueAll, keyMatchesCertificate, makeCrl } from '../../src/pki/index.js';
import type { CertRequest, IssuedCert } from '../../src/pki/index.js';
import { extensionBlock, keyIdHex, Scratch } from './openssl.js';

// Whole seconds, backdated an hour, as the plan would pass them.
const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
const notAfter = new Date(notBefore.getTime() + 30 * 86_400_000);
const common = { notBefore, notAfter, keyBits: 2048 } as const;
const serverHosts = ['localhost', 'db.example.com', '*.db.example.com', '127.0.0.1', '::1'];
const oddRole = 'app_user-é,1'; // UTF-8 and a comma: the CN must survive exactly

const chainRequests: CertRequest[] = [
  { id: 'root', kind: 'root-ca', commonName: 'Test Root CA', organization: 'Acme, Inc.', ...common },
  { id: 'intermediate', kind: 'intermediate-ca', commonName: 'Test Intermediate CA', issuer: 'root', ...common },
  { id: 'server', kind: 'server', commonName: 'ignored', hosts: serverHosts, issuer: 'intermediate', ...common },
  { id: 'client:alice', kind: 'client', commonName: 'alice', issuer: 'intermediate', ...common },
  { id: 'client:odd', kind: 'client', commonName: oddRole, issuer: 'intermediate', ...common },
];
const caRequests: CertRequest[] = [
  // Listed leaf first: issueAll must still sign the CA first.
  { id: 'server', kind: 'server', commonName: 'db.example.com', hosts: ['db.example.com', '10.0.0.5'], issuer: 'root', ...common },
  { id: 'root', kind: 'root-ca', commonName: 'Test Root CA 2', ...common },
  { id: 'client:bob', kind: 'client', commonName: 'bob', issuer: 'root', ...common },
];
const selfSignedRequests: CertRequest[] = [
  { id: 'server', kind: 'self-signed-server', commonName: 'x', hosts: ['localhost', '[::1]', '127.0.0.1'], ...common },
];

let scratch: Scratch;
let chain: Map<string, IssuedCert>;
let ca: Map<string, IssuedCert>;
let selfSigned: Map<string, IssuedCert>;
const progress: [number, number, string][] = [];

function get(m: Map<string, IssuedCert>, id: string): IssuedCert {
  const c = m.get(id);
  if (!c) throw new Error(`fixture has no ${id}`);
  return c;
}

const fileOf = (prefix: string, id: string) => `${prefix}-${id.replace(':', '_')}`;

test.before(async () => {
  scratch = await Scratch.create();
  [chain, ca, selfSigned] = await Promise.all([
    issueAll(chainRequests, (done, total, id) => progress.push([done, total, id])),
    issueAll(caRequests),
    issueAll(selfSignedRequests),
  ]);
  for (const [prefix, m] of [['chain', chain], ['ca', ca], ['self', selfSigned]] as const) {
    for (const c of m.values()) {
      await scratch.write(`${fileOf(prefix, c.id)}.crt`, c.certPem);
      await scratch.write(`${fileOf(prefix, c.id)}.key`, c.keyPem);
      await scratch.write(`${fileOf(prefix, c.id)}.p8.der`, c.keyPkcs8Der);
    }
  }
});

test.after.always(async () => {
  await scratch?.remove();
});

const verify = (purpose: string, ca: string, cert: string, untrusted?: string) =>
  scratch.run([
    'verify', '-x509_strict', '-purpose', purpose, '-CAfile', ca,
    ...(untrusted ? ['-untrusted', untrusted] : []), cert,
  ]);

test('chain mode: server and clients verify strictly through the intermediate', async (t) => {
  const server = await verify('sslserver', 'chain-root.crt', 'chain-server.crt', 'chain-intermediate.crt');
  t.is(server.code, 0, server.stderr);
  for (const id of ['client:alice', 'client:odd']) {
    const r = await verify('sslclient', 'chain-root.crt', `${fileOf('chain', id)}.crt`, 'chain-intermediate.crt');
    t.is(r.code, 0, `${id}: ${r.stderr}`);
  }
});

test('extended key usage keeps clients and servers apart', async (t) => {
  const client = await verify('sslserver', 'chain-root.crt', 'chain-client_alice.crt', 'chain-intermediate.crt');
  t.not(client.code, 0);
  t.regex(client.stdout + client.stderr, /unsuitable certificate purpose/);
  const server = await verify('sslclient', 'chain-root.crt', 'chain-server.crt', 'chain-intermediate.crt');
  t.not(server.code, 0);
});

test('ca mode: leaves verify directly against the root', async (t) => {
  const server = await verify('sslserver', 'ca-root.crt', 'ca-server.crt');
  t.is(server.code, 0, server.stderr);
  const client = await verify('sslclient', 'ca-root.crt', 'ca-client_bob.crt');
  t.is(client.code, 0, client.stderr);
});

test('self-signed mode: the server certificate is its own trust anchor', async (t) => {
  const r = await verify('sslserver', 'self-server.crt', 'self-server.crt');
  t.is(r.code, 0, r.stderr);
  const text = await scratch.text('self-server.crt');
  t.regex(text, /Issuer: CN = localhost\n/);
  t.is(extensionBlock(text, 'X509v3 Basic Constraints')?.value, 'CA:FALSE');
  t.is(extensionBlock(text, 'X509v3 Extended Key Usage')?.value, 'TLS Web Server Authentication');
});

test('self-signed mode: the server key cannot issue certificates clients would trust', async (t) => {
  await scratch.write('leaf.cnf', '[ext]\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:evil.example.com\n');
  const csr = await scratch.run(['req', '-new', '-key', 'chain-client_alice.key', '-subj', '/CN=evil.example.com', '-out', 'evil.csr']);
  t.is(csr.code, 0, csr.stderr);
  const signed = await scratch.run([
    'x509', '-req', '-in', 'evil.csr', '-CA', 'self-server.crt', '-CAkey', 'self-server.key', '-set_serial', '1',
    '-days', '1', '-extfile', 'leaf.cnf', '-extensions', 'ext', '-out', 'evil.crt',
  ]);
  t.is(signed.code, 0, signed.stderr);
  const r = await scratch.run(['verify', '-purpose', 'sslserver', '-CAfile', 'self-server.crt', 'evil.crt']);
  t.not(r.code, 0);
  t.regex(r.stdout + r.stderr, /invalid CA certificate/);
});

test('server certificate: SANs, CN = first host, key usages, v3, SHA-256', async (t) => {
  const text = await scratch.text('chain-server.crt');
  t.is(
    extensionBlock(text, 'X509v3 Subject Alternative Name')?.value,
    'DNS:localhost, DNS:db.example.com, DNS:*.db.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
  );
  t.regex(text, /Subject: CN = localhost\n/);
  t.regex(text, /Version: 3 \(0x2\)/);
  t.regex(text, /Signature Algorithm: sha256WithRSAEncryption/);
  t.deepEqual(extensionBlock(text, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:FALSE' });
  t.deepEqual(extensionBlock(text, 'X509v3 Key Usage'), { critical: true, value: 'Digital Signature, Key Encipherment' });
  t.is(extensionBlock(text, 'X509v3 Extended Key Usage')?.value, 'TLS Web Server Authentication');
  t.truthy(extensionBlock(text, 'X509v3 Subject Key Identifier'));
});

test('client certificate: CN is the role name exactly, clientAuth', async (t) => {
  const text = await scratch.text('chain-client_alice.crt');
  t.regex(text, /Subject: CN = alice\n/);
  t.is(extensionBlock(text, 'X509v3 Extended Key Usage')?.value, 'TLS Web Client Authentication');
  t.deepEqual(extensionBlock(text, 'X509v3 Key Usage'), { critical: true, value: 'Digital Signature, Key Encipherment' });
  t.is(extensionBlock(text, 'X509v3 Basic Constraints')?.value, 'CA:FALSE');
  t.is(extensionBlock(text, 'X509v3 Subject Alternative Name'), undefined);
  t.is(inspectCertificate(get(chain, 'client:odd').certPem).subjectCN, oddRole);
});

test('CAs: CA:TRUE critical, pathlen:0 on the intermediate, keyCertSign + cRLSign', async (t) => {
  const root = await scratch.text('chain-root.crt');
  const intermediate = await scratch.text('chain-intermediate.crt');
  t.deepEqual(extensionBlock(root, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:TRUE' });
  t.deepEqual(extensionBlock(intermediate, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:TRUE, pathlen:0' });
  for (const text of [root, intermediate]) {
    t.deepEqual(extensionBlock(text, 'X509v3 Key Usage'), { critical: true, value: 'Certificate Sign, CRL Sign' });
    t.truthy(extensionBlock(text, 'X509v3 Subject Key Identifier'));
  }
  // The root is self-issued.
  t.regex(root, /Issuer: O = "Acme, Inc.", CN = Test Root CA\n/);
  t.regex(root, /Subject: O = "Acme, Inc.", CN = Test Root CA\n/);
});

test('authority key id of every issued certificate is its issuer\'s subject key id', async (t) => {
  const pairs: [string, string][] = [
    ['chain-intermediate.crt', 'chain-root.crt'],
    ['chain-server.crt', 'chain-intermediate.crt'],
    ['chain-client_alice.crt', 'chain-intermediate.crt'],
    ['chain-client_odd.crt', 'chain-intermediate.crt'],
    ['ca-server.crt', 'ca-root.crt'],
    ['ca-client_bob.crt', 'ca-root.crt'],
  ];
  for (const [leaf, issuer] of pairs) {
    const aki = keyIdHex(extensionBlock(await scratch.text(leaf), 'X509v3 Authority Key Identifier')?.value);
    const ski = keyIdHex(extensionBlock(await scratch.text(issuer), 'X509v3 Subject Key Identifier')?.value);
    const own = keyIdHex(extensionBlock(await scratch.text(leaf), 'X509v3 Subject Key Identifier')?.value);
    t.regex(aki, /^[0-9a-f]{40}$/, leaf);
    t.is(aki, ski, leaf);
    t.not(aki, own, leaf);
  }
});

test('dates are the requested ones', async (t) => {
  for (const c of [...chain.values(), ...ca.values(), ...selfSigned.values()]) {
    t.is(c.notBefore.getTime(), notBefore.getTime());
    t.is(c.notAfter.getTime(), notAfter.getTime());
    const info = inspectCertificate(c.certPem);
    t.is(info.notBefore.getTime(), notBefore.getTime());
    t.is(info.notAfter.getTime(), notAfter.getTime());
  }
});

test('serials: 16 bytes, positive, distinct, as openssl reads them', async (t) => {
  const all = [...chain.values(), ...ca.values(), ...selfSigned.values()];
  const serials = all.map((c) => c.serialHex);
  t.is(new Set(serials).size, serials.length);
  for (const c of all) {
    t.regex(c.serialHex, /^[0-9a-f]{32}$/);
    const first = Number.parseInt(c.serialHex.slice(0, 2), 16);
    t.true(first > 0 && first < 0x80, c.serialHex);
    const r = await scratch.run(['x509', '-in', `${fileOf(prefixOf(c), c.id)}.crt`, '-noout', '-serial']);
    t.is(r.stdout.trim().toLowerCase(), `serial=${c.serialHex}`);
  }
});

function prefixOf(c: IssuedCert): string {
  if (chain.get(c.id) === c) return 'chain';
  if (ca.get(c.id) === c) return 'ca';
  return 'self';
}

test('keys: PKCS#1 PEM and PKCS#8 DER that openssl reads', async (t) => {
  for (const [prefix, m] of [['chain', chain], ['ca', ca], ['self', selfSigned]] as const) {
    for (const c of m.values()) {
      t.true(c.keyPem.startsWith('-----BEGIN RSA PRIVATE KEY-----\n'), c.id);
      t.false(c.keyPem.includes('\r'));
      t.false(c.certPem.includes('\r'));
      const r = await scratch.run(['pkey', '-inform', 'DER', '-in', `${fileOf(prefix, c.id)}.p8.der`, '-noout', '-check']);
      t.is(r.code, 0, r.stderr);
    }
  }
});

test('issueAll returns the caller\'s order, readable names, and reports every key', (t) => {
  t.deepEqual([...chain.keys()], chainRequests.map((r) => r.id));
  t.deepEqual([...ca.keys()], caRequests.map((r) => r.id));
  t.deepEqual(progress.map(([done]) => done), [1, 2, 3, 4, 5]);
  t.true(progress.every(([, total]) => total === 5));
  t.deepEqual(progress.map(([, , id]) => id).sort(), chainRequests.map((r) => r.id).sort());
  const root = get(chain, 'root');
  t.is(root.subject, 'CN=Test Root CA, O=Acme\\, Inc.');
  t.is(root.issuer, root.subject);
  t.is(get(chain, 'server').subject, 'CN=localhost');
  t.is(get(chain, 'server').issuer, 'CN=Test Intermediate CA');
  t.is(get(chain, 'client:odd').subject, 'CN=app_user-é\\,1');
});

test('inspectCertificate reads back what was issued', async (t) => {
  const server = get(chain, 'server');
  const info = inspectCertificate(server.certPem);
  t.is(info.subjectCN, 'localhost');
  t.is(info.issuerCN, 'Test Intermediate CA');
  t.deepEqual(info.dnsNames, ['localhost', 'db.example.com', '*.db.example.com']);
  t.deepEqual(info.ipAddresses, ['127.0.0.1', '::1']);
  t.false(info.isCA);
  t.is(info.serialHex, server.serialHex);
  const fp = await scratch.run(['x509', '-in', 'chain-server.crt', '-noout', '-fingerprint', '-sha256']);
  t.is(fp.stdout.trim(), `sha256 Fingerprint=${info.fingerprint256}`);

  const root = inspectCertificate(get(chain, 'root').certPem);
  t.true(root.isCA);
  t.is(root.subjectCN, 'Test Root CA');
  t.is(root.issuerCN, 'Test Root CA');
  t.deepEqual(root.dnsNames, []);
  t.true(inspectCertificate(get(chain, 'intermediate').certPem).isCA);
  t.deepEqual(inspectCertificate(get(ca, 'server').certPem).ipAddresses, ['10.0.0.5']);
  t.throws(() => inspectCertificate('not a certificate'), { message: /not a PEM certificate/ });
});

test('keyMatchesCertificate: true for its own key (PKCS#1 and PKCS#8), false for another', (t) => {
  const server = get(chain, 'server');
  const alice = get(chain, 'client:alice');
  t.true(keyMatchesCertificate(server.keyPem, server.certPem));
  const pkcs8Pem = createPrivateKey({ key: Buffer.from(server.keyPkcs8Der), format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
  t.true(pkcs8Pem.startsWith('-----BEGIN PRIVATE KEY-----'));
  t.true(keyMatchesCertificate(pkcs8Pem, server.certPem));
  t.false(keyMatchesCertificate(alice.keyPem, server.certPem));
  t.false(keyMatchesCertificate(get(selfSigned, 'server').keyPem, get(ca, 'server').certPem));
  t.throws(() => keyMatchesCertificate('garbage', server.certPem), { message: /cannot read the private key/ });
});

test('an empty CRL by the root verifies and has the v2 fields', async (t) => {
  const root = get(chain, 'root');
  await scratch.write('root-empty.crl', makeCrl(root, { thisUpdate: notBefore, nextUpdate: notAfter }));
  const r = await scratch.run(['crl', '-in', 'root-empty.crl', '-verify', '-CAfile', 'chain-root.crt', '-noout']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr + r.stdout, /verify OK/);
  const text = (await scratch.run(['crl', '-in', 'root-empty.crl', '-noout', '-text'])).stdout;
  t.regex(text, /Version 2 \(0x1\)/);
  t.regex(text, /Signature Algorithm: sha256WithRSAEncryption/);
  t.regex(text, /Issuer: O = "Acme, Inc.", CN = Test Root CA/);
  t.regex(text, /No Revoked Certificates/);
  t.regex(text, /X509v3 CRL Number:\s+\d+/);
  const rootSki = keyIdHex(extensionBlock(await scratch.text('chain-root.crt'), 'X509v3 Subject Key Identifier')?.value);
  t.is(keyIdHex(extensionBlock(text, 'X509v3 Authority Key Identifier')?.value), rootSki);
});

test('a revoked client is rejected by openssl verify -crl_check; the others pass', async (t) => {
  const alice = get(chain, 'client:alice');
  const crl = makeCrl(get(chain, 'intermediate'), {
    thisUpdate: notBefore,
    nextUpdate: notAfter,
    revoked: [{ serialHex: alice.serialHex, date: notBefore }],
  });
  await scratch.write('intermediate.crl', crl);
  const check = (cert: string) =>
    scratch.run([
      'verify', '-x509_strict', '-crl_check', '-CRLfile', 'intermediate.crl', '-CAfile', 'chain-root.crt',
      '-untrusted', 'chain-intermediate.crt', cert,
    ]);
  const revoked = await check('chain-client_alice.crt');
  t.not(revoked.code, 0);
  t.regex(revoked.stdout + revoked.stderr, /certificate revoked/);
  const ok = await check('chain-client_odd.crt');
  t.is(ok.code, 0, ok.stderr);
  const text = (await scratch.run(['crl', '-in', 'intermediate.crl', '-noout', '-text'])).stdout;
  t.regex(text, new RegExp(`Serial Number: ${alice.serialHex.toUpperCase()}`));

  // ca mode, root as CRL issuer; openssl crl -verify against root.crt
  const bob = get(ca, 'client:bob');
  await scratch.write(
    'ca-root.crl',
    makeCrl(get(ca, 'root'), { thisUpdate: notBefore, nextUpdate: notAfter, revoked: [{ serialHex: bob.serialHex, date: notBefore }] }),
  );
  const crlOk = await scratch.run(['crl', '-in', 'ca-root.crl', '-verify', '-CAfile', 'ca-root.crt', '-noout']);
  t.is(crlOk.code, 0, crlOk.stderr);
  const bobRevoked = await scratch.run(['verify', '-crl_check', '-CRLfile', 'ca-root.crl', '-CAfile', 'ca-root.crt', 'ca-client_bob.crt']);
  t.regex(bobRevoked.stdout + bobRevoked.stderr, /certificate revoked/);
});

test('CRL times: UTCTime before 2050, GeneralizedTime from 2050', async (t) => {
  const crl = makeCrl(get(ca, 'root'), {
    thisUpdate: new Date('2049-12-31T23:59:59Z'),
    nextUpdate: new Date('2050-01-01T00:00:00Z'),
    crlNumber: 7,
  });
  await scratch.write('times.crl', crl);
  const parsed = (await scratch.run(['asn1parse', '-in', 'times.crl'])).stdout;
  t.regex(parsed, /UTCTIME\s+:491231235959Z/);
  t.regex(parsed, /GENERALIZEDTIME\s+:20500101000000Z/);
  const text = (await scratch.run(['crl', '-in', 'times.crl', '-noout', '-text'])).stdout;
  t.regex(text, /X509v3 CRL Number:\s+7\n/);
});

test('makeCrl refuses a non-CA and bad dates', (t) => {
  t.throws(() => makeCrl(get(selfSigned, 'server'), { thisUpdate: notBefore, nextUpdate: notAfter }), {
    message: /not a CA/,
  });
  t.throws(() => makeCrl(get(ca, 'root'), { thisUpdate: notAfter, nextUpdate: notBefore }), {
    message: /nextUpdate must be later/,
  });
  t.throws(
    () =>
      makeCrl(get(ca, 'root'), {
        thisUpdate: notBefore,
        nextUpdate: notAfter,
        revoked: [{ serialHex: 'xyz', date: notBefore }],
      }),
    { message: /not a hex serial/ },
  );
});
