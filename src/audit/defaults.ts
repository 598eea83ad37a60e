/**
 * What a setting is when postgresql.conf does not set it (19.3.2
 * Authentication, 19.3.3 SSL); what differs by version is in plan/versions.ts.
 * Needed only when auditing files: a live server reports the value in force.
 */
import { knownVersionTraits } from '../plan/versions.js';
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
    case 'ssl_crl_file':
      return '';
    case 'krb_server_keyfile':
      // The built-in default is a path chosen at build time: only a set value is checked.
      return '';
    case 'listen_addresses':
      return 'localhost';
    case 'ssl_ciphers':
      return 'HIGH:MEDIUM:+3DES:!aNULL';
    case 'ssl_passphrase_command':
    case 'primary_conninfo':
      return '';
    case 'unix_socket_directories':
      // A build-time choice (DEFAULT_PGSOCKET_DIR): /tmp upstream, /var/run/postgresql on Debian.
      return undefined;
    case 'ssl_min_protocol_version':
      return knownVersionTraits(major)?.defaultMinTls;
    case 'password_encryption':
      return knownVersionTraits(major)?.defaultPasswordEncryption;
  }
}
