/** postgresql.conf settings for a bundle (manual 19.3.3 SSL, 19.3.2 Authentication). */
import { CLIENT_CERT_MODES, PG_VERSIONS, PKI_MODES, type Answers } from '../answers/answers.js';
import { versionTraits } from './versions.js';

/** One postgresql.conf setting with the reason it is set. */
export interface Setting {
  readonly name: string;
  readonly value: string | number | boolean;
  readonly comment: string;
}

/** File names the manual uses as defaults, relative to the data directory (18.9.4). */
export const SERVER_FILES = {
  cert: 'server.crt',
  key: 'server.key',
  ca: 'root.crt',
  crl: 'root.crl',
} as const;

export function hasCa(a: Answers): boolean {
  return a.pki !== 'self-signed';
}

export function wantsClientCerts(a: Answers): boolean {
  return a.clientCerts !== 'none';
}

export function planSettings(a: Answers): Setting[] {
  const v = versionTraits(a.pgVersion);
  const settings: Setting[] = [
    { name: 'ssl', value: true, comment: 'accept TLS connections (18.9.1)' },
    { name: 'ssl_cert_file', value: SERVER_FILES.cert, comment: 'server certificate, then intermediates; relative to the data directory' },
    { name: 'ssl_key_file', value: SERVER_FILES.key, comment: 'private key: mode 0600 owned by the server user, or 0640 owned by root' },
  ];
  if (wantsClientCerts(a)) {
    settings.push({ name: 'ssl_ca_file', value: SERVER_FILES.ca, comment: 'CA that client certificates must chain to (18.9.3)' });
    if (hasCa(a)) settings.push({ name: 'ssl_crl_file', value: SERVER_FILES.crl, comment: 'revoked client certificates; one CRL per CA in the chain' });
  }
  settings.push(
    { name: 'ssl_min_protocol_version', value: a.minTls, comment: 'refuse older TLS versions' },
    { name: 'ssl_ciphers', value: 'ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20', comment: 'TLS 1.2: forward secrecy and AEAD only, RFC 9325 4.2 (TLS 1.3 suites are not affected)' },
    { name: 'ssl_prefer_server_ciphers', value: true, comment: "the server's cipher order wins" },
    { name: v.groupsSetting, value: v.groupsValue, comment: 'key-exchange groups' },
    { name: 'password_encryption', value: 'scram-sha-256', comment: 'new passwords are stored as SCRAM secrets (20.5)' },
  );
  return settings;
}

function quote(value: Setting['value']): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

/** The settings as postgresql.conf lines, each with its reason. */
export function renderSettings(settings: readonly Setting[]): string {
  const width = Math.max(...settings.map((s) => `${s.name} = ${quote(s.value)}`.length)) + 2;
  return settings.map((s) => `${`${s.name} = ${quote(s.value)}`.padEnd(width)}# ${s.comment}`).join('\n');
}

/**
 * Settings a user may add to a bundle by hand: listen_addresses (the
 * template offers it commented out) and the passphrase pair for a key with a
 * passphrase (19.3.3), which apply accepts only when told the same command.
 */
export const HAND_SETTINGS = ['listen_addresses', 'ssl_passphrase_command', 'ssl_passphrase_command_supports_reload'] as const;

/** Every setting name planSettings can write for some answers and version, plus HAND_SETTINGS. */
export function bundleSettingNames(): ReadonlySet<string> {
  const names = new Set<string>(HAND_SETTINGS);
  for (const pgVersion of PG_VERSIONS) {
    for (const pki of PKI_MODES) {
      for (const clientCerts of CLIENT_CERT_MODES) {
        for (const s of planSettings({ ...SAMPLE, pgVersion, pki, clientCerts })) names.add(s.name);
      }
    }
  }
  return names;
}

// Only the fields planSettings reads vary; the rest are placeholders.
const SAMPLE: Answers = {
  pgVersion: 15,
  out: '.',
  pki: 'ca',
  hosts: ['localhost'],
  networks: ['all'],
  clientCerts: 'verify-full',
  clientUsers: [],
  port: 5432,
  keyBits: 2048,
  days: 1,
  minTls: 'TLSv1.2',
  refusePlaintext: true,
};
