/** readCrls and issueFromCa: CRLs read back as written, certificates signed by a kept CA that openssl accepts. */
import test from 'ava';
import { issueAll, issueFromCa, makeCrl, readCrls, crlSignedBy, subjectDerHex } from '../../src/pki/index.js';
import { Scratch } from './openssl.js';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-12-01T00:00:00Z');

test('a CRL with entries reads back: issuer, dates, number, serials, signature', async (t) => {
  const ca = await issueAll([
    { id: 'root', kind: 'root-ca', commonName: 'Root ünïcode', notBefore: now, notAfter: new Date(now.getTime() + 100 * DAY), keyBits: 2048 },
    { id: 'other', kind: 'root-ca', commonName: 'Other', notBefore: now, notAfter: new Date(now.getTime() + 100 * DAY), keyBits: 2048 },
  ]);
  const root = ca.get('root')!;
  const pem = makeCrl(root, { thisUpdate: now, nextUpdate: new Date(now.getTime() + 30 * DAY), crlNumber: 2n ** 70n, revoked: [{ serialHex: '00:80:01', date: now }, { serialHex: '7f', date: now }] });
  const [crl, ...rest] = readCrls(pem + makeCrl(ca.get('other')!, { thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY) }));
  t.is(rest.length, 1);
  t.is(crl!.issuerCN, 'Root ünïcode');
  t.is(crl!.issuerDerHex, subjectDerHex(root.certPem));
  t.deepEqual([crl!.thisUpdate, crl!.nextUpdate], [now, new Date(now.getTime() + 30 * DAY)]);
  t.is(crl!.crlNumber, 2n ** 70n);
  t.deepEqual(crl!.revoked.map((r) => r.serialHex), ['8001', '7f']);
  t.true(crlSignedBy(crl!, root.certPem));
  t.false(crlSignedBy(crl!, ca.get('other')!.certPem));
  t.throws(() => readCrls('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n'), { message: /^CRL 1: cannot read it/ });
});

test('issueFromCa: a client and a server from an intermediate verify with openssl; the key is kept when given', async (t) => {
  const s = await Scratch.create();
  const base = { notBefore: new Date(Date.now() - DAY), keyBits: 2048 } as const;
  const ca = await issueAll([
    { ...base, id: 'root', kind: 'root-ca', commonName: 'Root', notAfter: new Date(Date.now() + 100 * DAY) },
    { ...base, id: 'inter', kind: 'intermediate-ca', commonName: 'Inter ö', issuer: 'root', notAfter: new Date(Date.now() + 50 * DAY) },
  ]);
  const inter = ca.get('inter')!;
  const client = await issueFromCa({ ...base, id: 'c', kind: 'client', commonName: 'carol', notAfter: new Date(Date.now() + 10 * DAY) }, inter);
  const server = await issueFromCa({ ...base, id: 's', kind: 'server', commonName: '', hosts: ['db.test', '::1'], notAfter: new Date(Date.now() + 10 * DAY) }, inter, client.keyPem);
  t.is(server.keyPem, client.keyPem);
  t.is(client.issuer, 'CN=Inter ö');
  await s.write('root.crt', ca.get('root')!.certPem);
  await s.write('inter.crt', inter.certPem);
  await s.write('client.crt', client.certPem);
  await s.write('server.crt', server.certPem);
  await s.write('inter.crl', makeCrl(inter, { thisUpdate: new Date(Date.now() - DAY), nextUpdate: new Date(Date.now() + DAY) }));
  const crl = await s.run(['crl', '-in', 'inter.crl', '-CAfile', 'inter.crt', '-noout', '-verify']);
  t.regex(crl.stderr + crl.stdout, /verify OK/, 'a non-ASCII CA name stays byte-equal in the CRL issuer');
  const c = await s.run(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', 'root.crt', '-untrusted', 'inter.crt', 'client.crt']);
  t.is(c.code, 0, c.stderr + c.stdout);
  const v = await s.run(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'root.crt', '-untrusted', 'inter.crt', 'server.crt']);
  t.is(v.code, 0, v.stderr + v.stdout);
  await s.remove();
  await t.throwsAsync(issueFromCa({ ...base, id: 'x', kind: 'client', commonName: 'x', notAfter: new Date(Date.now() + DAY) }, { certPem: inter.certPem, keyPem: ca.get('root')!.keyPem }), { message: /the CA key does not belong to the CA certificate/ });
});
