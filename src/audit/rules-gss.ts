/**
 * GSSAPI findings (18.10, 20.6): a `host` rule with the gss method checks
 * who the client is through Kerberos but leaves the traffic in plaintext;
 * only `hostgssenc` (or hostssl) rules encrypt.
 */
import { hbaRecords, parseHba } from '../hba/index.js';
import { knownVersionTraits } from '../plan/versions.js';
import type { AuditFacts, Finding } from './types.js';

// Connection types a connection without GSSAPI encryption can match (20.1).
const PLAIN_TYPES: ReadonlySet<string> = new Set(['host', 'hostnossl', 'hostnogssenc']);

/** The keytab holds the server's long-term Kerberos key: readable by the server's user alone (or root with its group, like the key). */
function keytabFindings(facts: AuditFacts): Finding[] {
  const k = facts.keytabFile;
  if (!k) return [];
  const out: Finding[] = [];
  const isRoot = k.uid === 0;
  const octal = (m: number) => `0${m.toString(8).padStart(3, '0')}`;
  if (k.serverUid !== undefined && !isRoot && k.uid !== k.serverUid) {
    out.push({
      id: 'keytab-file-owner',
      severity: 'high',
      title: "The Kerberos keytab is owned by neither the server's user nor root: that owner can read or replace the server's key",
      evidence: `${k.path}: owner uid ${k.uid}, server user uid ${k.serverUid}, mode ${octal(k.mode)}`,
      fix: `chown the server's user (e.g. postgres) ${k.path}; chmod 0600 ${k.path}`,
    });
  }
  if ((k.mode & (isRoot ? 0o037 : 0o077)) !== 0) {
    out.push({
      id: 'keytab-file-mode',
      severity: 'high',
      title: 'The Kerberos keytab is readable or writable by others: whoever reads it can pose as the server to every Kerberos client',
      evidence: `${k.path}: mode ${octal(k.mode)}, owner uid ${k.uid}${isRoot ? ' (root)' : ''}`,
      fix: isRoot ? `chmod 0640 ${k.path} (root-owned, group of the server's user)` : `chmod 0600 ${k.path}`,
    });
  }
  return out;
}

/** Rules that authenticate with GSSAPI over connections that may be unencrypted, and a keytab others can read. */
export function gssFindings(facts: AuditFacts): Finding[] {
  const src = facts.hba;
  if (!src) return keytabFindings(facts);
  const dialect = knownVersionTraits(facts.major)?.hba;
  return hbaRecords(parseHba(src.text, dialect))
    .filter((l) => l.rule.method === 'gss' && PLAIN_TYPES.has(l.rule.type))
    .map((l): Finding => ({
      id: 'hba-gss-unencrypted',
      severity: 'medium',
      title: `A ${l.rule.type} rule authenticates with GSSAPI but leaves the traffic unencrypted`,
      evidence: `${src.path}:${l.lineNumber}: ${l.text.trim()}`,
      fix: `Make it hostgssenc (GSSAPI encryption, 18.10) and put it before any "hostnossl ... reject" line, which matches GSS-encrypted connections too; clients then connect with gssencmode=require. pg-secure-setup generate --transport gssapi --krb-realm REALM --krb-keytab FILE writes such rules.`,
    }))
    .concat(keytabFindings(facts));
}
