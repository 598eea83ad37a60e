import test from 'ava';
import { issueAll, type CertRequest } from '../../src/pki/index.js';

const common = {
  notBefore: new Date('2025-01-01T00:00:00Z'),
  notAfter: new Date('2026-01-01T00:00:00Z'),
  keyBits: 2048,
} as const;
const root: CertRequest = { id: 'root', kind: 'root-ca', commonName: 'Root', ...common };
const intermediate: CertRequest = { id: 'intermediate', kind: 'intermediate-ca', commonName: 'Int', issuer: 'root', ...common };
const server: CertRequest = { id: 'server', kind: 'server', commonName: 'db', hosts: ['db.example.com'], issuer: 'root', ...common };
const client: CertRequest = { id: 'client:alice', kind: 'client', commonName: 'alice', issuer: 'root', ...common };

/** Every request is checked before a key is generated: no progress, a clear message. */
const rejects = test.macro({
  async exec(t, requests: CertRequest[], message: RegExp) {
    let calls = 0;
    await t.throwsAsync(issueAll(requests, () => calls++), { message });
    t.is(calls, 0);
  },
  title: (given) => `rejects: ${given ?? ''}`,
});

test('unknown issuer id', rejects, [root, { ...client, issuer: 'nope' }], /"client:alice": unknown issuer id "nope"/);
test('missing issuer', rejects, [root, { ...client, issuer: undefined }], /needs an issuer id/);
test('issuer on a root', rejects, [{ ...root, issuer: 'root' }], /signs itself; remove issuer/);
test('issuer on a self-signed server', rejects, [{ ...server, kind: 'self-signed-server' }], /signs itself/);
test('a leaf as issuer', rejects, [root, server, { ...client, issuer: 'server' }], /issuer "server" is a server/);
test('an intermediate under an intermediate', rejects,
  [root, intermediate, { ...intermediate, id: 'int2', issuer: 'intermediate' }], /needs a root-ca/);
test('duplicate id', rejects, [root, root], /"root" appears twice/);
test('host that is neither DNS nor IP', rejects,
  [root, { ...server, hosts: ['db.example.com', 'bad host!'] }], /"server": Host "bad host!" is neither a DNS name/);
test('mistyped IPv4', rejects, [root, { ...server, hosts: ['10.0.0.256'] }], /neither a DNS name/);
test('server without hosts', rejects, [root, { ...server, hosts: [] }], /at least one host/);
test('hosts on a client', rejects, [root, { ...client, hosts: ['x.example.com'] }], /only for server/);
test('empty client CN', rejects, [root, { ...client, commonName: '' }], /commonName is empty/);
test('reversed dates', rejects, [{ ...root, notAfter: common.notBefore, notBefore: common.notAfter }], /notAfter must be later/);
test('invalid date', rejects, [{ ...root, notBefore: new Date('nope') }], /valid Dates/);
test('key size', rejects, [{ ...root, keyBits: 1024 as 2048 }], /keyBits must be 2048, 3072 or 4096/);
