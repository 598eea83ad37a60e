/**
 * What a setting is when postgresql.conf does not set it, by major version
 * (19.3.2 Authentication, 19.3.3 SSL). Needed only when auditing files: a
 * live server reports the value in force.
 */
import type { AuditSetting } from './types.js';

/** The built-in default of a setting on a major version (undefined: version unknown and it matters). */
export function settingDefault(name: AuditSetting, major: number | undefined): string | undefined {
  switch (name) {
    case 'ssl':
      return 'off';
    case 'ssl_cert_file':
      return 'server.crt';
    case 'ssl_key_file':
      return 'server.key';
    case 'ssl_ca_file':
      return '';
    case 'listen_addresses':
      return 'localhost';
    case 'ssl_min_protocol_version':
      // TLSv1 in 12; TLSv1.2 from 13.
      return major === undefined ? undefined : major >= 13 ? 'TLSv1.2' : 'TLSv1';
    case 'password_encryption':
      // md5 up to 13; scram-sha-256 from 14.
      return major === undefined ? undefined : major >= 14 ? 'scram-sha-256' : 'md5';
  }
}
