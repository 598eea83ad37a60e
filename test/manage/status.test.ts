/** judgeStatus: what makes `status` exit 1, judged at a given moment. */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { issueAll, makeCrl, readCrls, type IssuedCert } from '../../src/pki/index.js';
import { judgeStatus, renderStatus, type FoundCert, type ServerFacts } from '../../src/manage/status.js';

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

test('a bundle of several servers: the server is the one whose certificate it runs, or the one --server names', (t) => {
  const fp = new X509Certificate(issued.get('server')!.certPem).fingerprint256;
  const several = [...certs().slice(0, 2), { role: 'server' as const, name: 'db2', path: 'servers/db2/server.crt', pem: issued.get('alice')!.certPem }];
  const fp2 = new X509Certificate(issued.get('alice')!.certPem).fingerprint256;
  const judge = (certFingerprint: string | undefined, chosenServer?: string) =>
    judgeStatus({ now, warnDays: 0, certs: several, crls: [], serverNames: ['db1', 'db2'], server: { where: '/data', certFingerprint, crls: undefined }, ...(chosenServer ? { chosenServer } : {}) });
  t.deepEqual(judge(fp).server, { where: '/data', name: 'db1', runsBundleCert: true, runsBundleCrl: undefined });
  t.deepEqual(judge(fp2).server?.name, 'db2');
  t.deepEqual(judge(fp2).problems, []);
  t.regex(renderStatus(judge(fp2)), /^Server \(\/data\), db2: certificate is the bundle's$/m);
  t.deepEqual(judge('AA:BB').problems, ["the server at /data runs none of this bundle's servers (db1, db2): pg-secure-setup apply BUNDLE --server NAME"]);
  t.deepEqual(judge(fp2, 'db1').problems, ["the server at /data runs db2's certificate, not db1's: pg-secure-setup apply BUNDLE --server db1"]);
  t.deepEqual(judge(fp2, 'db1').server, { where: '/data', name: 'db1', runsBundleCert: false, runsBundleCrl: undefined });
  t.deepEqual(judge(undefined, 'db2').problems, ['the server at /data has no certificate from this bundle: pg-secure-setup apply BUNDLE --server db2']);
});

test('a standby\'s replication files: the bundle\'s, missing, another one near its end, or a primary_conninfo apply cannot use', (t) => {
  const path = (n: string) => `/var/lib/postgresql/replication/${n}`;
  const fp = new X509Certificate(issued.get('server')!.certPem).fingerprint256;
  const judge = (replication: ServerFacts['replication']) =>
    judgeStatus({ now, warnDays: 30, certs: certs().slice(0, 2), crls: [], server: { where: '/data', certFingerprint: fp, crls: undefined, replication } });
  const soon = new Date(now.getTime() + 10 * DAY);
  const r = judge({
    role: 'replicator',
    problems: [],
    files: [
      { name: 'root.crt', path: path('root.crt'), installed: true, isBundles: true },
      { name: 'postgresql.crt', path: path('postgresql.crt'), installed: true, isBundles: false, notAfter: soon },
      { name: 'postgresql.key', path: path('postgresql.key'), installed: false, isBundles: false },
    ],
  });
  t.deepEqual(r.server?.replication?.files.map((f) => [f.name, f.state, f.daysLeft]), [['root.crt', 'bundle', undefined], ['postgresql.crt', 'other', 10], ['postgresql.key', 'missing', undefined]]);
  // The first problem is the bundle's server certificate, 20 days from its end.
  t.deepEqual(r.problems.slice(1), [
    "the standby's replication file /var/lib/postgresql/replication/postgresql.crt is not the bundle's clients/replicator/postgresql.crt: pg-secure-setup apply BUNDLE --pgdata /data",
    "the standby's replication certificate /var/lib/postgresql/replication/postgresql.crt expires on 2027-06-11",
    "the standby's replication file /var/lib/postgresql/replication/postgresql.key is missing: pg-secure-setup apply BUNDLE --pgdata /data",
  ]);
  t.regex(renderStatus(r), /standby, replicating as replicator:\n {4}root\.crt +the bundle's +\(\S+root\.crt\)\n {4}postgresql\.crt +NOT the bundle's, until 2027-06-11 \(10 days left\)/);
  const unusable = judge({ role: 'replicator', problems: ['primary_conninfo has sslmode=require, not verify-full'], files: [] });
  t.deepEqual(unusable.problems.slice(1), ['the standby at /data: primary_conninfo has sslmode=require, not verify-full; apply cannot keep its replication files (see the bundle README\'s "Standby" section)']);
});
