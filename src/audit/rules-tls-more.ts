/**
 * More TLS findings: the TLS 1.2 cipher suites ssl_ciphers allows, the
 * minimum version where profiles differ, the key's passphrase, and a
 * standby's connection to its primary (19.3.3 SSL, 19.6.3 Standby Servers,
 * 32.19 SSL Support).
 */
import { isOn } from './rules-tls.js';
import type { AuditFacts, Finding } from './types.js';

// Our criterion: every suite TLS 1.2 can pick has forward secrecy (ephemeral ECDH or DH)
// and an AEAD cipher (GCM, CCM, ChaCha20-Poly1305), as RFC 9325 4.2 recommends. CBC
// suites are MAC-then-encrypt (Lucky13 and its kin); RSA key exchange has no FS.
// pgdsat reads the string's keywords and dev-sec compares it with one fixed string: we
// judge what OpenSSL expands it to.
const FS_KX = new Set(['ECDH', 'DH']);
const AEAD = /GCM|CCM|POLY1305/i;

function ciphers(facts: AuditFacts, minTls: string): Finding[] {
  const suites = facts.cipherSuites;
  if (!suites || minTls === 'tlsv1.3') return [];
  // Those without forward secrecy first: they are the worse.
  const weak = [...suites.filter((c) => !FS_KX.has(c.kx)), ...suites.filter((c) => FS_KX.has(c.kx) && !AEAD.test(c.enc))];
  if (weak.length === 0) return [];
  const from = facts.settingSources.ssl_ciphers ? ` (${facts.settingSources.ssl_ciphers})` : '';
  const noFs = weak.filter((c) => !FS_KX.has(c.kx)).length;
  return [
    {
      id: 'ssl-ciphers-weak',
      severity: 'medium',
      title: 'ssl_ciphers lets TLS 1.2 clients pick suites without forward secrecy or with CBC',
      evidence: `ssl_ciphers = '${facts.settings.ssl_ciphers}'${from} allows ${weak.length} such suite(s), ${noFs} without forward secrecy: ${weak.slice(0, 8).map((c) => c.name).join(', ')}${weak.length > 8 ? ', ...' : ''}`,
      fix: "Set ssl_ciphers = 'ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20' (what pg-secure-setup generate writes) and reload; TLS 1.3 suites are not affected.",
    },
  ];
}

function minTls13(facts: AuditFacts, minTls: string): Finding[] {
  if (minTls === 'tlsv1.3' || minTls === '' || minTls === 'tlsv1' || minTls === 'tlsv1.1') return [];
  return [
    {
      id: 'ssl-min-tls13',
      severity: 'low',
      title: 'The server accepts TLS 1.2',
      evidence: `ssl_min_protocol_version = '${facts.settings.ssl_min_protocol_version}'`,
      fix: "Set ssl_min_protocol_version = 'TLSv1.3' if every client speaks it (pg-secure-setup generate --min-tls TLSv1.3), and reload.",
    },
  ];
}

function passphrase(facts: AuditFacts): Finding[] {
  if (facts.settings.ssl_passphrase_command !== '') return [];
  return [
    {
      id: 'ssl-passphrase-none',
      severity: 'info',
      title: 'The server key has no passphrase command: the key file is protected by its mode alone',
      evidence: "ssl_passphrase_command = ''",
      fix: 'Keep server.key 0600 and owned by the server (or 0640 owned by root); a passphrase needs ssl_passphrase_command and, for reloads, ssl_passphrase_command_supports_reload (19.3.3).',
    },
  ];
}

/** The sslmode a conninfo string or URI asks for (libpq's default: prefer). */
export function conninfoSslmode(conninfo: string): string {
  const m = /(?:^|[\s?&])sslmode\s*=\s*'?([A-Za-z-]+)/.exec(conninfo);
  return m ? m[1]!.toLowerCase() : 'prefer';
}

function standby(facts: AuditFacts): Finding[] {
  const ci = facts.settings.primary_conninfo;
  if (!facts.standby || !ci) return [];
  const mode = conninfoSslmode(ci);
  if (mode === 'verify-full') return [];
  return [
    {
      id: 'standby-conninfo',
      severity: 'high',
      title: "This standby reaches its primary without verifying the primary's certificate: a machine in between can pose as the primary",
      evidence: `primary_conninfo has sslmode=${mode}${facts.settingSources.primary_conninfo ? ` (${facts.settingSources.primary_conninfo})` : ''}`,
      fix: 'Add sslmode=verify-full and sslrootcert=... to primary_conninfo (32.19.1), then reload.',
    },
  ];
}

/** Cipher, minimum version, passphrase and standby findings. */
export function moreTlsFindings(facts: AuditFacts): Finding[] {
  const sslOn = facts.settings.ssl !== undefined && isOn(facts.settings.ssl);
  const minTls = (facts.settings.ssl_min_protocol_version ?? '').trim().toLowerCase();
  return [...(sslOn ? [...ciphers(facts, minTls), ...minTls13(facts, minTls), ...passphrase(facts)] : []), ...standby(facts)];
}
