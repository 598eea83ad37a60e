import test from 'ava';
import { auditFindings, type AuditFacts, type Profile } from '../../src/audit/index.js';
import { conninfoSslmode } from '../../src/audit/rules-tls-more.js';
import { cleanFacts, OPTS } from './facts.js';

const ids = (over: Partial<AuditFacts>, profile: Profile = 'default') => auditFindings(cleanFacts(over), { ...OPTS, profile }).map((f) => f.id);
const settings = (more: Record<string, string>) => ({ ...cleanFacts().settings, ...more });

test('cipher suites without forward secrecy or with CBC; TLS 1.3 only makes ssl_ciphers moot', (t) => {
  const weak = [{ name: 'AES256-SHA', kx: 'RSA', enc: 'AES(256)' }, { name: 'ECDHE-RSA-AES128-GCM-SHA256', kx: 'ECDH', enc: 'AESGCM(128)' }];
  const f = auditFindings(cleanFacts({ cipherSuites: weak, settings: settings({ ssl_ciphers: 'HIGH' }) }), OPTS);
  t.deepEqual(f.map((x) => x.id), ['ssl-ciphers-weak']);
  t.regex(f[0]!.evidence, /allows 1 such suite\(s\), 1 without forward secrecy: AES256-SHA$/);
  t.deepEqual(ids({ cipherSuites: weak, settings: settings({ ssl_min_protocol_version: 'TLSv1.3' }) }), []);
  t.deepEqual(ids({ cipherSuites: [weak[1]!, { name: 'ECDHE-RSA-CHACHA20-POLY1305', kx: 'ECDH', enc: 'CHACHA20/POLY1305(256)' }] }), []);
});

test('no passphrase command is information, for cis only', (t) => {
  t.deepEqual(ids({ settings: settings({ ssl_passphrase_command: '' }) }), []);
  t.deepEqual(ids({ settings: settings({ ssl_passphrase_command: '' }) }, 'cis'), ['ssl-min-tls13', 'ssl-passphrase-none']);
});

test('a standby whose primary_conninfo does not verify the primary', (t) => {
  t.deepEqual(ids({ standby: true, settings: settings({ primary_conninfo: 'host=p user=rep sslmode=require' }) }), ['standby-conninfo']);
  t.deepEqual(ids({ standby: true, settings: settings({ primary_conninfo: "host=p sslmode='verify-full' sslrootcert=/r.crt" }) }), []);
  t.deepEqual(ids({ standby: false, settings: settings({ primary_conninfo: 'host=p' }) }), [], 'a primary ignores it');
  t.is(conninfoSslmode('postgresql://rep@p/db?sslmode=verify-ca'), 'verify-ca');
  t.is(conninfoSslmode('host=p'), 'prefer');
});
