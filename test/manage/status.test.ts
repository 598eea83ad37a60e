/** judgeStatus: what makes `status` exit 1, judged at a given moment. */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { issueAll, makeCrl, readCrls, type IssuedCert } from '../../src/pki/index.js';
import { judgeStatus, renderStatus, type FoundCert } from '../../src/manage/status.js';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2027-06-01T00:00:00Z');
let issued: Map<string, IssuedCert>;

test.before(async () => {
  const base = { notBefore: new Date(now.getTime() - 400 * DAY), keyBits: 2048 } as const;
  issued = await issueAll([
    { ...base, id: 'root', kind: 'root-ca', commonName: 'Root', notAfter: new Date(now.getTime() + 3000 * DAY) },
    { ...base, id: 'server', kind: 'server', commonName: 'db', hosts: ['db.test'], issuer: 'root', notAfter: new Date(now.getTime() + 20 * DAY) },
    { ...base, id: 'alice', kind: 'client', commonName: 'alice', issuer: 'root', notAfter: new Date(now.getTime() + 200 * DAY) },
    { ...base, id: 'bob', kind: 'client', commonName: 'bob', issuer: 'root', notAfter: new Date(now.getTime() - 2 * DAY) },
  ]);
});

function certs(): FoundCert[] {
  const get = (id: string) => issued.get(id)!.certPem;
  return [
    { role: 'root', name: 'root', path: 'ca/root.crt', pem: get('root') },
    { role: 'server', name: 'server', path: 'server/server.crt', pem: get('server') },
    { role: 'client', name: 'alice', path: 'clients/alice/postgresql.crt', pem: get('alice') },
    { role: 'client', name: 'bob', path: 'clients/bob/postgresql.crt', pem: get('bob') },
  ];
}

function crl(nextUpdateDays: number, revoked: string[] = []) {
  const pem = makeCrl(issued.get('root')!, {
    thisUpdate: new Date(now.getTime() - 30 * DAY),
    nextUpdate: new Date(now.getTime() + nextUpdateDays * DAY),
    revoked: revoked.map((id) => ({ serialHex: issued.get(id)!.serialHex, date: now })),
    crlNumber: 7,
  });
  return { crl: readCrls(pem)[0]!, signedBy: 'root' };
}

test('expiring and expired certificates are problems with the command that fixes them; a revoked one is not', (t) => {
  const r = judgeStatus({ now, warnDays: 30, certs: certs(), crls: [crl(365, ['bob'])] });
  t.deepEqual(r.certificates.map((c) => [c.name, c.daysLeft, c.revoked]), [['root', 3000, false], ['server', 20, false], ['alice', 200, false], ['bob', -2, true]]);
  t.deepEqual(r.problems, ['server certificate expires in 20 days (2027-06-21): renew it: pg-secure-setup renew BUNDLE']);
  t.is(r.crls[0]!.crlNumber, '7');
  t.deepEqual(r.crls[0]!.revokedSerials, [issued.get('bob')!.serialHex]);
  t.regex(renderStatus(r), /client bob .*REVOKED/);

  const unrevoked = judgeStatus({ now, warnDays: 10, certs: certs(), crls: [crl(365)] });
  t.deepEqual(unrevoked.problems, ['client certificate of bob expired on 2027-05-30: issue a new one: pg-secure-setup issue BUNDLE --client-user bob --force']);
});

test('a CRL near or past its next update is a problem: after it OpenSSL refuses every client', (t) => {
  const near = judgeStatus({ now, warnDays: 30, certs: certs().slice(0, 1), crls: [crl(12)] });
  t.deepEqual(near.problems, ['the CRL of "Root" must be re-signed within 12 days (next update 2027-06-13), or the server refuses every client certificate: pg-secure-setup renew BUNDLE --crl']);
  const past = judgeStatus({ now, warnDays: 0, certs: certs().slice(0, 1), crls: [crl(-1)] });
  t.regex(past.problems.join('\n'), /^the CRL of "Root" lapsed on 2027-05-31: OpenSSL now refuses every client certificate/);
  const unsigned = judgeStatus({ now, warnDays: 0, certs: certs().slice(0, 1), crls: [{ ...crl(100), signedBy: undefined }] });
  t.regex(unsigned.problems.join('\n'), /is not signed by any CA of the bundle/);
});

test('a server holding another certificate or CRL than the bundle is a problem', (t) => {
  const bundleCrl = crl(365);
  const server = (fp: string | undefined, crls = [bundleCrl.crl]) => ({ where: '/data', certFingerprint: fp, crls });
  const fp = new X509Certificate(issued.get('server')!.certPem).fingerprint256;
  const same = judgeStatus({ now, warnDays: 0, certs: certs().slice(0, 2), crls: [bundleCrl], server: server(fp) });
  t.deepEqual(same.problems, []);
  t.deepEqual(same.server, { where: '/data', runsBundleCert: true, runsBundleCrl: true });
  const other = judgeStatus({ now, warnDays: 0, certs: certs().slice(0, 2), crls: [bundleCrl], server: server('AA:BB', [crl(100).crl]) });
  t.deepEqual(other.problems, [
    'the server at /data runs another certificate than this bundle: pg-secure-setup apply BUNDLE',
    'the server at /data has another CRL than this bundle: pg-secure-setup apply BUNDLE',
  ]);
  const none = judgeStatus({ now, warnDays: 0, certs: certs().slice(0, 2), crls: [], server: server(undefined, []) });
  t.deepEqual(none.problems, ['the server at /data has no certificate from this bundle: pg-secure-setup apply BUNDLE']);
});
