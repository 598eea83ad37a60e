import test from 'ava';
import { auditFindings, certCoversHost, normalizeIp, type AuditFacts, type AuditOptions, type CertFacts, type FindingId } from '../../src/audit/index.js';
import { cleanFacts, inDays, OPTS } from './facts.js';

const ids = (facts: AuditFacts, opts: AuditOptions = OPTS): FindingId[] => auditFindings(facts, opts).map((f) => f.id);

const finds = test.macro({
  exec(t, over: Partial<AuditFacts>, expected: FindingId[], opts: Partial<AuditOptions> = {}) {
    t.deepEqual(ids(cleanFacts(over), { ...OPTS, ...opts }), expected);
  },
  title: (given = '') => given,
});

const clean = cleanFacts();
const cert = clean.certificate!;
const key = clean.keyFile!;
const settings = clean.settings;

test('a clean server has no finding', finds, {}, []);

// ssl
test('ssl off', finds, { settings: { ...settings, ssl: 'off' } }, ['ssl-off']);
test('ssl spelled true is on', finds, { settings: { ...settings, ssl: 'true' } }, []);
test('ssl unknown is not reported', finds, { settings: { ...settings, ssl: undefined } }, []);

// ssl_min_protocol_version
test('ssl_min_protocol_version TLSv1', finds, { settings: { ...settings, ssl_min_protocol_version: 'TLSv1' } }, ['ssl-min-protocol']);
test('ssl_min_protocol_version TLSv1.1', finds, { settings: { ...settings, ssl_min_protocol_version: 'TLSv1.1' } }, ['ssl-min-protocol']);
test('ssl_min_protocol_version empty (any version)', finds, { settings: { ...settings, ssl_min_protocol_version: '' } }, ['ssl-min-protocol']);
test('ssl_min_protocol_version TLSv1.3', finds, { settings: { ...settings, ssl_min_protocol_version: 'TLSv1.3' } }, []);

// expiry
test('certificate expired', finds, { certificate: { ...cert, notAfter: inDays(-1) } }, ['cert-expired']);
test('certificate expiring in 10 days', finds, { certificate: { ...cert, notAfter: inDays(10) } }, ['cert-expiring']);
test('certificate valid for 40 more days', finds, { certificate: { ...cert, notAfter: inDays(40) } }, []);
test('certificate valid for 40 more days, warned at 60', finds, { certificate: { ...cert, notAfter: inDays(40) } }, ['cert-expiring'], { expiryDays: 60 });

// hosts in the subjectAltName
test('a host missing from the SAN', finds, { hosts: ['db.example.com', 'other.example.com'] }, ['cert-host-missing']);
test('an IP missing from the SAN', finds, { hosts: ['10.0.0.6'] }, ['cert-host-missing']);
test('every host missing is one finding', finds, { hosts: ['a.example.org', 'b.example.org'] }, ['cert-host-missing', 'cert-host-missing']);
test('no hosts, nothing to check', finds, { hosts: [] }, []);

const covers = test.macro<[string, boolean, Partial<CertFacts>?]>({
  exec(t, host, expected, c) {
    t.is(certCoversHost({ ...cert, ...c }, host), expected);
  },
  title: (given = '', host, expected) => `${given} ${host} ${expected ? 'is' : 'is not'} covered`.trim(),
});
test(covers, 'db.example.com', true);
test(covers, 'DB.Example.COM.', true);
test(covers, 'a.db.example.com', true);
test(covers, 'a.b.db.example.com', false);
test(covers, 'example.com', false);
test(covers, '10.0.0.5', true);
test(covers, '0:0:0:0:0:0:0:1', true);
test(covers, '[::1]', true);
test(covers, '::2', false);
test('an IP is never matched by a dNSName', covers, '10.0.0.5', false, { dnsNames: ['10.0.0.5'], ipAddresses: [] });
test('the CN counts only without dNSName entries', covers, 'legacy.example.com', true, { subjectCN: 'legacy.example.com', dnsNames: [], ipAddresses: ['10.0.0.5'] });
test('the CN does not count beside dNSName entries', covers, 'legacy.example.com', false, { subjectCN: 'legacy.example.com' });

test('normalizeIp gives one spelling', (t) => {
  t.is(normalizeIp('0:0:0:0:0:0:0:1'), '::1');
  t.is(normalizeIp('[2001:DB8::1]'), '2001:db8::1');
  t.is(normalizeIp('10.0.0.1'), '10.0.0.1');
  // The same spelling the certificate reader gives its SAN entries (RFC 5952 5: a mapped IPv4 stays dotted).
  t.is(normalizeIp('0:0:0:0:0:FFFF:A00:5'), '::ffff:10.0.0.5');
  t.is(normalizeIp('db.example.com'), 'db.example.com');
});

// key and certificate
test('key does not match the certificate', finds, { keyFile: { ...key, matchesCertificate: false } }, ['key-cert-mismatch']);
test('key match unknown is not reported', finds, { keyFile: { ...key, matchesCertificate: undefined } }, []);

// key file mode and owner (18.9.1)
test('key 0644 owned by the server user', finds, { keyFile: { ...key, mode: 0o644 } }, ['key-file-mode']);
test('key 0640 owned by the server user', finds, { keyFile: { ...key, mode: 0o640 } }, ['key-file-mode']);
test('key 0400 owned by the server user', finds, { keyFile: { ...key, mode: 0o400 } }, []);
test('key 0640 owned by root', finds, { keyFile: { ...key, mode: 0o640, uid: 0 } }, []);
test('key 0600 owned by root', finds, { keyFile: { ...key, mode: 0o600, uid: 0 } }, []);
test('key 0660 owned by root', finds, { keyFile: { ...key, mode: 0o660, uid: 0 } }, ['key-file-mode']);
test('key 0644 owned by root', finds, { keyFile: { ...key, mode: 0o644, uid: 0 } }, ['key-file-mode']);
test('key owned by another user', finds, { keyFile: { ...key, uid: 999 } }, ['key-file-owner']);
test('key owner unknown: only the mode is judged', finds, { keyFile: { ...key, serverUid: undefined, uid: 999, mode: 0o600 } }, []);

test('the key-file-mode fix names the file and the mode', (t) => {
  const [f] = auditFindings(cleanFacts({ keyFile: { ...key, mode: 0o644 } }), OPTS);
  t.regex(f!.evidence, /server\.key: mode 0644/);
  t.regex(f!.fix, /chmod 0600 \/var\/lib\/postgresql\/15\/main\/server\.key/);
});

test('every finding carries a fix naming what to run', (t) => {
  const broken = cleanFacts({
    settings: { ...settings, ssl: 'off', ssl_min_protocol_version: 'TLSv1' },
    certificate: { ...cert, notAfter: inDays(-1) },
    hosts: ['nope.example.com'],
    keyFile: { ...key, mode: 0o666, matchesCertificate: false },
  });
  const found = auditFindings(broken, OPTS);
  t.deepEqual(found.map((f) => f.id).sort(), ['cert-expired', 'cert-host-missing', 'key-cert-mismatch', 'key-file-mode', 'ssl-min-protocol', 'ssl-off']);
  for (const f of found) {
    t.true(f.severity === 'high' || f.severity === 'medium', f.id);
    t.true(f.title.length > 0 && f.evidence.length > 0 && f.fix.length > 0, f.id);
  }
  t.regex(found.find((f) => f.id === 'ssl-off')!.fix, /pg-secure-setup generate .* pg-secure-setup apply/);
});
