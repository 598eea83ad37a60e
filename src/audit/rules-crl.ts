/**
 * ssl_crl_file (18.9.3): a CRL past its next update makes OpenSSL refuse
 * every client certificate the CRL's CA signed, so it is found well before.
 */
import type { AuditFacts, AuditOptions, Finding } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Findings for CRLs that have lapsed or lapse within the expiry window. */
export function crlFindings(facts: AuditFacts, opts: AuditOptions): Finding[] {
  const days = opts.expiryDays ?? 30;
  const fix = 'pg-secure-setup renew BUNDLE --crl (re-signs the CRLs from the kept CA), then pg-secure-setup apply BUNDLE';
  const out: Finding[] = [];
  for (const crl of facts.crls ?? []) {
    if (!crl.nextUpdate) continue;
    const next = new Date(crl.nextUpdate);
    const who = `${crl.path}: the CRL of "${crl.issuerCN ?? 'unknown CA'}"`;
    if (next.getTime() <= opts.now.getTime()) {
      out.push({ id: 'crl-lapsed', severity: 'high', title: 'A CRL is past its next update: the server refuses every client certificate of its CA', evidence: `${who} has next update ${crl.nextUpdate}`, fix });
    } else {
      const left = Math.floor((next.getTime() - opts.now.getTime()) / DAY_MS);
      if (left < days) out.push({ id: 'crl-expiring', severity: 'medium', title: `A CRL lapses in ${left} day(s); after that the server refuses every client certificate of its CA`, evidence: `${who} has next update ${crl.nextUpdate}`, fix });
    }
  }
  return out;
}
