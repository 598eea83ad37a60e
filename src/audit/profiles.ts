/**
 * Profiles: where the references disagree, the user says which one they
 * answer to. `default` is this project's reading of the manual; `cis` leans
 * on the CIS PostgreSQL Benchmark (as pgdsat checks it); `dev-sec` on
 * dev-sec's postgres-baseline (InSpec). A finding not in this table is
 * wanted by every profile. The README explains each choice.
 */
import { PROFILES, type FindingId, type Profile } from './types.js';

/** Findings only some profiles want, and why the others do not. */
const ONLY: Partial<Record<FindingId, readonly Profile[]>> = {
  // A reject line lets nobody in; dev-sec accepts only password methods on every line.
  'hba-reject-line': ['dev-sec'],
  // cert authenticates by the certificate alone (20.12); dev-sec wants a password on every line.
  'hba-cert-method': ['dev-sec'],
  // A superuser who must show a certificate issued to it (and, with clientcert, its password) is no open door; pgdsat flags any rule naming one.
  'superuser-network-cert': ['cis', 'dev-sec'],
  // scram-sha-256 over the socket is sound; CIS wants the OS identity (peer) there.
  'hba-local-not-peer': ['cis'],
  // TLS 1.2 with AEAD suites is sound (RFC 9325); CIS asks for 1.3 only.
  'ssl-min-tls13': ['cis'],
  // The manual allows 0640 with a trusted group (initdb -g), and so does pgdsat; dev-sec
  // (postgres-10) wants pg_hba.conf and postgresql.conf readable by their owner alone.
  'hba-file-group-readable': ['dev-sec'],
  'conf-file-readable': ['dev-sec'],
  // initdb --allow-group-access makes 0750 (18.2); pgdsat and dev-sec (postgres-09) want 0700.
  'data-dir-group-access': ['cis', 'dev-sec'],
  // A role without a password cannot log in by password at all: a lock-out, not an opening.
  // dev-sec's postgres-05 wants a password for every role; pgdsat does not check it.
  'role-no-password': ['dev-sec'],
  // Information only: an unprotected key file is the usual set-up (18.9.1).
  'ssl-passphrase-none': ['cis'],
  // Listening everywhere opens nothing the rules do not let in; CIS wants named addresses.
  'listen-wildcard': ['cis'],
};

/** The profiles that want a finding. */
export function profilesFor(id: FindingId): Profile[] {
  return [...(ONLY[id] ?? PROFILES)];
}

/** Does this profile want this finding? */
export function wants(profile: Profile, id: FindingId): boolean {
  return profilesFor(id).includes(profile);
}
