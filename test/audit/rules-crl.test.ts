/** crlFindings: a CRL past or near its next update, found before the server locks clients out. */
import test from 'ava';
import { crlFindings } from '../../src/audit/rules-crl.js';
import type { AuditFacts } from '../../src/audit/types.js';

const now = new Date('2027-01-10T00:00:00Z');
const facts = (nextUpdates: (string | undefined)[]): AuditFacts => ({
  source: 'files',
  target: '/data',
  settings: {},
  settingSources: {},
  hosts: [],
  unchecked: [],
  crls: nextUpdates.map((n) => ({ path: '/data/root.crl', issuerCN: 'Root', ...(n ? { nextUpdate: n } : {}) })),
});

test('lapsed is high, within the window is medium, later or absent is nothing', (t) => {
  const found = crlFindings(facts(['2027-01-09T00:00:00.000Z', '2027-01-20T00:00:00.000Z', '2027-06-01T00:00:00.000Z', undefined]), { now });
  t.deepEqual(found.map((f) => [f.id, f.severity]), [['crl-lapsed', 'high'], ['crl-expiring', 'medium']]);
  t.is(found[1]!.title, 'A CRL lapses in 10 day(s); after that the server refuses every client certificate of its CA');
  t.regex(found[0]!.evidence, /^\/data\/root\.crl: the CRL of "Root" has next update 2027-01-09/);
  t.deepEqual(crlFindings(facts(['2027-01-20T00:00:00.000Z']), { now, expiryDays: 5 }), []);
});
