/**
 * Every difference between PostgreSQL major versions that the tool cares
 * about, in one table. Nothing else in the code compares a version number:
 * the pg_hba.conf dialect goes to the parser and lint, the settings to the
 * plan, the defaults to the audit. test/plan/versions-servers.test.ts
 * checks the claims against real servers of these versions.
 */
import type { PgVersion } from '../answers/answers.js';
import type { HbaDialect } from '../hba/dialect.js';

export interface VersionTraits {
  /** What pg_hba.conf accepts (20.1 "The pg_hba.conf File", 20.12 "Certificate Authentication"). */
  readonly hba: HbaDialect;
  /** Name of the setting that picks key-exchange groups: ssl_groups from 18, ssl_ecdh_curve before (19.3.3). */
  readonly groupsSetting: 'ssl_groups' | 'ssl_ecdh_curve';
  /** Value for that setting. ssl_ecdh_curve takes one curve; ssl_groups a colon list. */
  readonly groupsValue: string;
  /** ssl_min_protocol_version when nothing sets it: TLSv1 in 12, TLSv1.2 from 13 (19.3.3). */
  readonly defaultMinTls: string;
  /** password_encryption when nothing sets it: md5 up to 13, scram-sha-256 from 14 (19.3.2). */
  readonly defaultPasswordEncryption: string;
  /** The community no longer releases fixes for it (versioning policy: five years; 12 ended Nov 2024, 13 Nov 2025, 14 Nov 2026). */
  readonly endOfLife: boolean;
}

// clientcert=1 / 0 / no-verify, and cert with verify-ca, were accepted up to 13 (removed in 14's release notes).
const HBA_12: Omit<HbaDialect, 'server'> = {
  clientcertValues: ['verify-ca', 'verify-full', '1', '0', 'no-verify'],
  certTakesVerifyCa: true,
  clientname: false,
  continuations: false,
  includes: false,
  regexNames: false,
};
// From 14: the old clientcert values go, clientname= and backslash continuations arrive.
const HBA_14: Omit<HbaDialect, 'server'> = { clientcertValues: ['verify-ca', 'verify-full'], certTakesVerifyCa: false, clientname: true, continuations: true, includes: false, regexNames: false };
// From 16: include directives and /regex database and user names.
const HBA_16: Omit<HbaDialect, 'server'> = { ...HBA_14, includes: true, regexNames: true };

const TABLE: Record<PgVersion, VersionTraits> = {
  12: traits(12, HBA_12, { defaultMinTls: 'TLSv1', defaultPasswordEncryption: 'md5', endOfLife: true }),
  13: traits(13, HBA_12, { defaultPasswordEncryption: 'md5', endOfLife: true }),
  14: traits(14, HBA_14, { endOfLife: true }),
  15: traits(15, HBA_14, {}),
  16: traits(16, HBA_16, {}),
  17: traits(17, HBA_16, {}),
  18: traits(18, HBA_16, { groupsSetting: 'ssl_groups', groupsValue: 'X25519:prime256v1' }),
};

function traits(version: PgVersion, hba: Omit<HbaDialect, 'server'>, over: Partial<Omit<VersionTraits, 'hba'>>): VersionTraits {
  return {
    hba: { server: `PostgreSQL ${version}`, ...hba },
    groupsSetting: 'ssl_ecdh_curve',
    groupsValue: 'prime256v1',
    defaultMinTls: 'TLSv1.2',
    defaultPasswordEncryption: 'scram-sha-256',
    endOfLife: false,
    ...over,
  };
}

/** The traits of one major version. */
export function versionTraits(version: PgVersion): VersionTraits {
  return TABLE[version];
}

/** The traits of a version a server reported, or undefined when it is not one we know. */
export function knownVersionTraits(major: number | undefined): VersionTraits | undefined {
  return major !== undefined && major in TABLE ? TABLE[major as PgVersion] : undefined;
}
