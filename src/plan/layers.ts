/**
 * What each layer of encryption protects (18.8 Encryption Options), and which
 * of them a bundle covers: said once, for `pg-secure-setup help layers` and
 * the bundle's README. Imports nothing, so the CLI can show it at once.
 */

/** How a bundle's connections are encrypted in transit. */
export type LayerTransport = 'tls' | 'gssapi' | 'both';

/** One layer: what it protects, and whether a bundle covers it. */
interface Layer {
  readonly name: string;
  readonly protects: string;
  readonly bundle: (t: LayerTransport) => string;
}

const LAYERS: readonly Layer[] = [
  {
    name: 'Password storage',
    protects: 'SCRAM-SHA-256 secrets: a stolen pg_authid yields no reusable password, and the password never crosses the wire',
    bundle: () => 'covered: scram-sha-256 rules and password_encryption',
  },
  {
    name: 'In transit',
    protects: 'TLS (18.9) or GSSAPI (18.10) encryption: nobody on the network reads or alters the traffic, and the client checks it reached the right server',
    bundle: (t) => `covered: ${t === 'tls' ? 'TLS' : t === 'gssapi' ? 'GSSAPI encryption' : 'GSSAPI encryption, else TLS'}, plaintext refused`,
  },
  {
    name: 'Columns (pgcrypto, F.26)',
    protects: 'chosen columns stay encrypted in tables and backups; the key still passes through the server with each query, so a superuser or the server log may see it',
    bundle: () => 'not covered: your schema and queries',
  },
  {
    name: 'At rest (disk or partition)',
    protects: 'the data files, WAL and backups if a disk or machine is stolen; nothing once the system is running and mounted',
    bundle: () => 'not covered: the operating system or storage (LUKS, dm-crypt, cloud volume encryption)',
  },
  {
    name: 'Client-side',
    protects: 'the server never sees the plaintext: even a compromised server or superuser learns nothing; the data cannot be searched or indexed by the server',
    bundle: () => 'not covered: the application encrypts before it sends',
  },
];

/** The layers as plain text lines: what each protects and what this bundle does about it. */
export function layersText(transport: LayerTransport = 'tls'): string {
  const blocks = LAYERS.map((l) => `- ${l.name}: ${l.protects}.\n  This bundle: ${l.bundle(transport)}.`);
  return [
    'What each layer of encryption protects (PostgreSQL manual, 18.8 Encryption Options):',
    '',
    ...blocks,
    '',
    'A bundle secures the way in (who connects, how they prove it) and the wire. It does not',
    'encrypt what the server stores: add disk encryption for stolen hardware, pgcrypto or',
    'client-side encryption for data the server\'s own administrators must not read.',
  ].join('\n');
}
