/**
 * Every difference between PostgreSQL major versions that the plan cares
 * about, in one table. Nothing else in the code branches on a version number.
 */
import type { PgVersion } from '../answers/answers.js';

export interface VersionTraits {
  /** clientcert=verify-ca / verify-full (12+; 1 and 0 were removed in 14). 20.1 pg_hba.conf */
  readonly clientcertValues: readonly string[];
  /** Name of the setting that picks key-exchange groups: ssl_groups from 18, ssl_ecdh_curve before (19.3.3). */
  readonly groupsSetting: 'ssl_groups' | 'ssl_ecdh_curve';
  /** Value for that setting. ssl_ecdh_curve takes one curve; ssl_groups a colon list. */
  readonly groupsValue: string;
  /** ssl_crl_dir exists from 14 (19.3.3). */
  readonly hasSslCrlDir: boolean;
  /** scram_iterations exists from 16 (19.3.2). */
  readonly hasScramIterations: boolean;
  /** pg_hba.conf include directives and line continuations from 16 (20.1). */
  readonly hbaIncludes: boolean;
  /** ssl_min_protocol_version exists from 12 (19.3.3). */
  readonly hasSslMinProtocol: boolean;
  /** ssl_passphrase_command_supports_reload exists from 11 (19.3.3). */
  readonly hasPassphraseReload: boolean;
  /** The SQL view of pg_hba.conf: pg_hba_file_rules from 10; `rule_number`/`file_name` from 15/16. */
  readonly hbaViewHasFileName: boolean;
  /** ssl_min_protocol_version when nothing sets it: TLSv1 in 12, TLSv1.2 from 13 (19.3.3). */
  readonly defaultMinTls: string;
  /** password_encryption when nothing sets it: md5 up to 13, scram-sha-256 from 14 (19.3.2). */
  readonly defaultPasswordEncryption: string;
}

const TABLE: Record<PgVersion, VersionTraits> = {
  12: traits({ clientcertValues: ['verify-ca', 'verify-full', '1', '0', 'no-verify'], defaultMinTls: 'TLSv1', defaultPasswordEncryption: 'md5' }),
  13: traits({ clientcertValues: ['verify-ca', 'verify-full', '1', '0', 'no-verify'], defaultPasswordEncryption: 'md5' }),
  14: traits({ hasSslCrlDir: true }),
  15: traits({ hasSslCrlDir: true }),
  16: traits({ hasSslCrlDir: true, hasScramIterations: true, hbaIncludes: true, hbaViewHasFileName: true }),
  17: traits({ hasSslCrlDir: true, hasScramIterations: true, hbaIncludes: true, hbaViewHasFileName: true }),
  18: traits({
    hasSslCrlDir: true,
    hasScramIterations: true,
    hbaIncludes: true,
    hbaViewHasFileName: true,
    groupsSetting: 'ssl_groups',
    groupsValue: 'X25519:prime256v1',
  }),
};

function traits(over: Partial<VersionTraits>): VersionTraits {
  return {
    clientcertValues: ['verify-ca', 'verify-full'],
    groupsSetting: 'ssl_ecdh_curve',
    groupsValue: 'prime256v1',
    hasSslCrlDir: false,
    hasScramIterations: false,
    hbaIncludes: false,
    hasSslMinProtocol: true,
    hasPassphraseReload: true,
    hbaViewHasFileName: false,
    defaultMinTls: 'TLSv1.2',
    defaultPasswordEncryption: 'scram-sha-256',
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
