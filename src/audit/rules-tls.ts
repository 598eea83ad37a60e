/**
 * TLS findings: is it on, which protocol versions, and the server's
 * certificate and key (18.9 Secure TCP/IP Connections with SSL, 19.3.3 SSL
 * settings, 32.19.1 Client Verification of Server Certificates).
 */
import { isIP } from 'node:net';
import type { AuditFacts, AuditOptions, CertFacts, Finding, KeyFileFacts } from './types.js';
import { settingIsOn as isOn } from '../pg/conf.js';
import { normalizeIp } from '../pki/index.js';
import { modeText } from '../file-mode.js';

const DAY_MS = 86_400_000;
const GENERATE_APPLY = 'pg-secure-setup generate --host NAME ... then pg-secure-setup apply BUNDLE --pgdata DATA_DIR (or run the bundle\'s apply.sh DATA_DIR), which reloads the server';

function source(facts: AuditFacts, name: keyof AuditFacts['settings']): string {
  const from = facts.settingSources[name];
  return from ? ` (${from})` : '';
}

/** Booleans as postgresql.conf spells them (19.1.1 Parameter Names and Values). */
export { isOn };

function sslOff(facts: AuditFacts): Finding[] {
  const v = facts.settings.ssl;
  if (v === undefined || isOn(v)) return [];
  return [
    {
      id: 'ssl-off',
      severity: 'high',
      title: 'TLS is off: every connection travels in plaintext',
      evidence: `ssl = ${v}${source(facts, 'ssl')}`,
      fix: `Make a certificate and turn TLS on: ${GENERATE_APPLY}. SSL settings take effect on reload (18.9.1).`,
    },
  ];
}

// TLS 1.0 and 1.1 are deprecated (RFC 8996); PostgreSQL's own default is TLSv1.2 from version 13.
const WEAK_TLS = new Set(['', 'tlsv1', 'tlsv1.1']);

function minProtocol(facts: AuditFacts): Finding[] {
  const v = facts.settings.ssl_min_protocol_version;
  if (v === undefined || !WEAK_TLS.has(v.trim().toLowerCase())) return [];
  return [
    {
      id: 'ssl-min-protocol',
      severity: 'medium',
      title: 'The server accepts TLS versions older than 1.2',
      evidence: `ssl_min_protocol_version = '${v}'${source(facts, 'ssl_min_protocol_version')}`,
      fix: "Set ssl_min_protocol_version = 'TLSv1.2' (or 'TLSv1.3') and reload: the settings from pg-secure-setup generate / apply do this (19.3.3).",
    },
  ];
}

function certLabel(cert: CertFacts): string {
  const where = cert.source === 'file' ? `certificate file ${cert.path ?? ''}` : 'certificate the server presents over TLS';
  return `${where} (CN=${cert.subjectCN ?? '-'})`;
}

function expiry(cert: CertFacts, opts: AuditOptions): Finding[] {
  const notAfter = new Date(cert.notAfter);
  const days = opts.expiryDays ?? 30;
  const renew = `Issue a new server certificate: ${GENERATE_APPLY}. pg_ctl reload serves the new files without a restart.`;
  if (notAfter.getTime() <= opts.now.getTime()) {
    return [{ id: 'cert-expired', severity: 'high', title: 'The server certificate has expired: verifying clients refuse it', evidence: `${certLabel(cert)} expired on ${cert.notAfter}`, fix: renew }];
  }
  const left = Math.floor((notAfter.getTime() - opts.now.getTime()) / DAY_MS);
  if (left < days) {
    return [{ id: 'cert-expiring', severity: 'medium', title: `The server certificate expires in ${left} day(s)`, evidence: `${certLabel(cert)} is valid until ${cert.notAfter}`, fix: renew }];
  }
  return [];
}

export { normalizeIp };

// RFC 6125 6.4.3: a wildcard is the whole leftmost label and covers exactly one label.
function dnsMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot) === p.slice(1);
}

/**
 * Would a verify-full client accept this certificate for `host`? An IP
 * matches iPAddress entries; a name matches dNSName entries, and the CN only
 * when the certificate has no dNSName at all (libpq's rule, 32.19.1).
 */
export function certCoversHost(cert: Pick<CertFacts, 'dnsNames' | 'ipAddresses' | 'subjectCN'>, host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) {
    const want = normalizeIp(bare);
    return cert.ipAddresses.some((ip) => normalizeIp(ip) === want) || (cert.dnsNames.length === 0 && cert.ipAddresses.length === 0 && cert.subjectCN === bare);
  }
  if (cert.dnsNames.length > 0) return cert.dnsNames.some((d) => dnsMatches(d, bare));
  return cert.subjectCN !== undefined && dnsMatches(cert.subjectCN, bare);
}

function hostsMissing(facts: AuditFacts, cert: CertFacts): Finding[] {
  const names = [...cert.dnsNames, ...cert.ipAddresses].join(', ') || `none (CN=${cert.subjectCN ?? '-'})`;
  return facts.hosts
    .filter((h) => !certCoversHost(cert, h))
    .map((h) => ({
      id: 'cert-host-missing' as const,
      severity: 'high' as const,
      title: `The server certificate does not name "${h}": clients using sslmode=verify-full with that host fail`,
      evidence: `subjectAltName of the ${certLabel(cert)}: ${names}`,
      fix: `Issue a certificate that lists every name clients use: pg-secure-setup generate --host ${h} (plus the other names), then pg-secure-setup apply BUNDLE --pgdata DATA_DIR.`,
    }));
}

function keyMatch(key: KeyFileFacts, cert: CertFacts): Finding[] {
  if (key.matchesCertificate !== false) return [];
  return [
    {
      id: 'key-cert-mismatch',
      severity: 'high',
      title: 'The server key does not belong to the server certificate: the server cannot load them',
      evidence: `${key.path} does not match the ${certLabel(cert)}`,
      fix: 'Install the key that was issued with the certificate, or a new pair: pg-secure-setup generate, then pg-secure-setup apply BUNDLE --pgdata DATA_DIR. A reload with a mismatched pair keeps the old files ("SSL configuration was not reloaded").',
    },
  ];
}

/**
 * The server refuses a key with group or world access unless root owns it,
 * in which case group read is allowed (18.9.1 Basic Setup; the server's
 * check_ssl_key_file_permissions).
 */
function keyMode(key: KeyFileFacts): Finding[] {
  const { mode, uid, serverUid } = key;
  const isRoot = uid === 0;
  const serverOwned = serverUid !== undefined && uid === serverUid;
  const out: Finding[] = [];
  if (serverUid !== undefined && !isRoot && !serverOwned) {
    out.push({
      id: 'key-file-owner',
      severity: 'high',
      title: "The server key file is owned by neither the server's user nor root: the server refuses it",
      evidence: `${key.path}: owner uid ${uid}, server user uid ${serverUid}, mode ${modeText(mode)}`,
      fix: `chown the server's user (e.g. postgres) ${key.path}; chmod 0600 ${key.path}`,
    });
  }
  // Bits the server rejects: any group or world access; for root, anything beyond group read.
  const rejected = isRoot ? 0o037 : 0o077;
  if ((mode & rejected) !== 0) {
    out.push({
      id: 'key-file-mode',
      severity: 'high',
      title: 'The server key file is readable or writable by others',
      evidence: `${key.path}: mode ${modeText(mode)}, owner uid ${uid}${isRoot ? ' (root)' : ''}`,
      fix: isRoot
        ? `chmod 0640 ${key.path} (root-owned keys may be group-readable by the server's group, nothing more)`
        : `chmod 0600 ${key.path} (owned by the server's user; or root-owned with 0640)`,
    });
  }
  return out;
}

/** Every TLS finding for these facts. */
export function tlsFindings(facts: AuditFacts, opts: AuditOptions): Finding[] {
  const out = [...sslOff(facts), ...minProtocol(facts)];
  const cert = facts.certificate;
  if (cert) out.push(...expiry(cert, opts), ...hostsMissing(facts, cert));
  if (facts.keyFile) {
    if (cert) out.push(...keyMatch(facts.keyFile, cert));
    out.push(...keyMode(facts.keyFile));
  }
  return out;
}
