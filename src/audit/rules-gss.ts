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

/** Rules that authenticate with GSSAPI over connections that may be unencrypted. */
export function gssFindings(facts: AuditFacts): Finding[] {
  const src = facts.hba;
  if (!src) return [];
  const dialect = knownVersionTraits(facts.major)?.hba;
  return hbaRecords(parseHba(src.text, dialect))
    .filter((l) => l.rule.method === 'gss' && PLAIN_TYPES.has(l.rule.type))
    .map((l) => ({
      id: 'hba-gss-unencrypted' as const,
      severity: 'medium' as const,
      title: `A ${l.rule.type} rule authenticates with GSSAPI but leaves the traffic unencrypted`,
      evidence: `${src.path}:${l.lineNumber}: ${l.text.trim()}`,
      fix: `Make it hostgssenc (GSSAPI encryption, 18.10) and put it before any "hostnossl ... reject" line, which matches GSS-encrypted connections too; clients then connect with gssencmode=require. pg-secure-setup generate --transport gssapi --krb-realm REALM --krb-keytab FILE writes such rules.`,
    }));
}
