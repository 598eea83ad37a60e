/** Facts of a server that passes the audit, for table tests to break one thing at a time. */
import type { AuditFacts, AuditOptions } from '../../src/audit/index.js';

export const NOW = new Date('2025-06-01T00:00:00Z');
export const OPTS: AuditOptions = { now: NOW };

export const CLEAN_HBA = 'local all all peer\nhostnossl all all all reject\nhostssl all all 10.0.0.0/8 scram-sha-256 clientcert=verify-full\n';

export function cleanFacts(over: Partial<AuditFacts> = {}): AuditFacts {
  return {
    source: 'connection',
    target: '10.0.0.5:5432 as postgres',
    version: '15.4',
    major: 15,
    currentUser: 'postgres',
    isSuperuser: true,
    dataDirectory: '/var/lib/postgresql/15/main',
    settings: {
      ssl: 'on',
      ssl_min_protocol_version: 'TLSv1.2',
      ssl_cert_file: 'server.crt',
      ssl_key_file: 'server.key',
      ssl_ca_file: 'root.crt',
      password_encryption: 'scram-sha-256',
    },
    settingSources: { ssl: 'pg_settings', password_encryption: 'pg_settings' },
    hosts: ['db.example.com', '10.0.0.5'],
    certificate: {
      source: 'file',
      path: '/var/lib/postgresql/15/main/server.crt',
      subjectCN: 'db.example.com',
      notBefore: '2025-01-01T00:00:00.000Z',
      notAfter: '2026-01-01T00:00:00.000Z',
      dnsNames: ['db.example.com', '*.db.example.com'],
      ipAddresses: ['10.0.0.5', '::1'],
      fingerprint256: 'AB:CD',
    },
    keyFile: { path: '/var/lib/postgresql/15/main/server.key', mode: 0o600, uid: 105, gid: 110, serverUid: 105, matchesCertificate: true },
    hba: { path: '/etc/postgresql/15/main/pg_hba.conf', from: 'file', text: CLEAN_HBA },
    md5Roles: [],
    nonSslConnections: [],
    unchecked: [],
    ...over,
  };
}

/** Days after NOW, as an ISO date. */
export function inDays(days: number): string {
  return new Date(NOW.getTime() + days * 86_400_000).toISOString();
}
