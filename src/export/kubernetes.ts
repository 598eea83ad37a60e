/**
 * A bundle as Kubernetes objects: the four secrets CloudNativePG takes for
 * user-provided certificates with a Cluster snippet naming them, or plain
 * `kubernetes.io/tls` secrets any workload can mount. Pure: files in, objects
 * and YAML text out. Secret values are the bundle's files byte for byte.
 *
 * CloudNativePG (docs "Certificates", API CertificatesConfiguration):
 * serverCASecret holds `ca.crt` (`ca.key` only when the operator signs the
 * server certificate, not when serverTLSSecret is given); serverTLSSecret and
 * replicationTLSSecret are `kubernetes.io/tls` with `tls.crt`/`tls.key`, the
 * latter for the role `streaming_replica` (another CN is mapped through the
 * pg_ident map `cnpg_streaming_replica`); clientCASecret holds `ca.crt`, and
 * `ca.key` only when the operator must sign client certificates.
 */
import { isIP } from 'node:net';
import type { Answers } from '../answers/answers.js';
import { UsageError } from '../errors.js';
import { toYamlStream, type YamlValue } from './yaml.js';

/** Where an export is for. */
export const EXPORT_TARGETS = ['kubernetes', 'kubernetes-secrets'] as const;
/** One of EXPORT_TARGETS. */
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** The role CloudNativePG replicates as. */
export const CNPG_REPLICA_ROLE = 'streaming_replica';

/** A file of the bundle, path relative to its top. */
export interface ExportFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** What an export is made from. */
export interface ExportInput {
  readonly files: readonly ExportFile[];
  readonly answers: Pick<Answers, 'pki' | 'hosts' | 'replicationUser' | 'servers'>;
  readonly target: ExportTarget;
  /** CloudNativePG Cluster name, also the prefix of every secret's name. */
  readonly cluster: string;
  readonly namespace?: string;
  /** The bundle client whose certificate replicates (default streaming_replica when the bundle has it, else the bundle's replication role). */
  readonly replicationRole?: string;
  /** The signing CA key, given only with --include-ca-key. */
  readonly caKey?: Uint8Array;
}

/** The objects, their YAML, and notes for the user (never secret). */
export interface ExportResult {
  readonly objects: readonly YamlValue[];
  readonly yaml: string;
  readonly notes: readonly string[];
}

// RFC 1123 label, as Kubernetes checks object names and namespaces.
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A usage problem with a name for Kubernetes, or undefined. */
export function nameProblem(flag: string, name: string, max: number): string | undefined {
  if (name.length > max || !LABEL.test(name)) {
    return `${flag} ${JSON.stringify(name)}: give lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${max} characters (a Kubernetes name, RFC 1123)`;
  }
  return undefined;
}

function file(files: readonly ExportFile[], path: string): Uint8Array {
  const f = files.find((x) => x.path === path);
  if (!f) throw new UsageError(`the bundle has no ${path}; export takes a bundle as generate wrote it`);
  return f.bytes;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function secret(name: string, input: ExportInput, type: string, data: Record<string, Uint8Array>): YamlValue {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      ...(input.namespace ? { namespace: input.namespace } : {}),
      // Instances reload a labelled secret by themselves (CloudNativePG docs, "Certificates").
      labels: { 'cnpg.io/reload': '', 'app.kubernetes.io/managed-by': 'pg-secure-setup' },
    },
    type,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

/** The roles that have a client certificate in the bundle. */
export function bundleClients(files: readonly ExportFile[]): string[] {
  return [...new Set(files.map((f) => /^clients\/([^/]+)\/postgresql\.crt$/.exec(f.path)?.[1]).filter((r): r is string => r !== undefined))].sort();
}

/** A role name as part of a Kubernetes name: `streaming_replica` -> `streaming-replica`. */
function roleSlug(role: string): string {
  return role.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'role';
}

function caKeyProblem(input: ExportInput): string | undefined {
  if (input.caKey === undefined) return undefined;
  if (input.answers.pki === 'self-signed') return '--include-ca-key: a self-signed bundle has no CA key';
  if (input.answers.pki === 'ca-intermediate') {
    return '--include-ca-key: this bundle signs with an intermediate CA; a secret\'s ca.crt is also every server\'s ssl_ca_file, and PostgreSQL accepts a client only up to a self-signed root, so the intermediate\'s key cannot be handed over as ca.key. Leave --include-ca-key out and issue client certificates here (pg-secure-setup issue)';
  }
  return undefined;
}

function cloudNativePg(input: ExportInput): { objects: YamlValue[]; notes: string[] } {
  const { files, cluster } = input;
  if (input.answers.pki === 'self-signed') {
    throw new UsageError(
      'export --to kubernetes: this bundle has a self-signed server certificate and no CA, and CloudNativePG\'s clientCASecret needs the CA that signs client certificates (the replication one first). Generate the bundle with --pki ca, or use --to kubernetes-secrets for the server secret alone',
    );
  }
  const clients = bundleClients(files);
  const bundleRole = input.answers.replicationUser && clients.includes(input.answers.replicationUser) ? input.answers.replicationUser : undefined;
  const role = input.replicationRole ?? (clients.includes(CNPG_REPLICA_ROLE) ? CNPG_REPLICA_ROLE : bundleRole);
  if (role !== undefined && !clients.includes(role)) {
    throw new UsageError(`--replication-role ${role}: the bundle has no client certificate for it (it has: ${clients.join(', ') || 'none'}); make one with 'pg-secure-setup issue BUNDLE --client-user ${role}'`);
  }
  if (role === undefined && input.caKey === undefined) {
    throw new UsageError(
      `export --to kubernetes: CloudNativePG replicates as ${CNPG_REPLICA_ROLE} with a client certificate, and the bundle has none for it (clients: ${clients.join(', ') || 'none'}). Issue one ('pg-secure-setup issue BUNDLE --client-user ${CNPG_REPLICA_ROLE}'), name another with --replication-role ROLE, or pass --include-ca-key to let CloudNativePG sign it`,
    );
  }
  const root = file(files, 'server/root.crt');
  const names = {
    serverCA: `${cluster}-server-ca`,
    serverTLS: `${cluster}-server-tls`,
    clientCA: `${cluster}-client-ca`,
    replicationTLS: `${cluster}-replication-tls`,
  };
  const objects: YamlValue[] = [
    secret(names.serverCA, input, 'Opaque', { 'ca.crt': root }),
    secret(names.serverTLS, input, 'kubernetes.io/tls', { 'tls.crt': file(files, 'server/server.crt'), 'tls.key': file(files, 'server/server.key') }),
    secret(names.clientCA, input, 'Opaque', { 'ca.crt': root, ...(input.caKey ? { 'ca.key': input.caKey } : {}) }),
  ];
  if (role !== undefined) {
    objects.push(secret(names.replicationTLS, input, 'kubernetes.io/tls', { 'tls.crt': file(files, `clients/${role}/postgresql.crt`), 'tls.key': file(files, `clients/${role}/postgresql.key`) }));
  }
  const dnsNames = input.answers.hosts.filter((h) => isIP(h) === 0);
  objects.push({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: cluster, ...(input.namespace ? { namespace: input.namespace } : {}) },
    spec: {
      instances: 3,
      certificates: {
        serverCASecret: names.serverCA,
        serverTLSSecret: names.serverTLS,
        clientCASecret: names.clientCA,
        ...(role !== undefined ? { replicationTLSSecret: names.replicationTLS } : {}),
        ...(dnsNames.length > 0 ? { serverAltDNSNames: dnsNames } : {}),
      },
      ...(role !== undefined && role !== CNPG_REPLICA_ROLE ? { postgresql: { pg_ident: [`cnpg_streaming_replica ${role} ${CNPG_REPLICA_ROLE}`] } } : {}),
    },
  });
  const notes = [
    `The Cluster is a snippet: merge spec.certificates into your own (instances: 3 as in CloudNativePG's examples; storage and the rest are yours).`,
    `CloudNativePG checks the server certificate against the CA only; clients using sslmode=verify-full must dial a name the certificate holds: ${input.answers.hosts.join(', ')}. Services such as ${cluster}-rw.${input.namespace ?? 'NAMESPACE'}.svc are not among them unless you gave them as --host.`,
  ];
  if (role === undefined) notes.push(`No replication certificate in the bundle: the client CA secret carries ca.key so CloudNativePG signs one for ${CNPG_REPLICA_ROLE}.`);
  else if (role !== CNPG_REPLICA_ROLE) notes.push(`${role}'s certificate replicates: the pg_ident map cnpg_streaming_replica lets it in as ${CNPG_REPLICA_ROLE}.`);
  return { objects, notes };
}

function plainSecrets(input: ExportInput): { objects: YamlValue[]; notes: string[] } {
  const { files, cluster } = input;
  const root = file(files, 'server/root.crt');
  const objects: YamlValue[] = [
    secret(`${cluster}-server-tls`, input, 'kubernetes.io/tls', { 'tls.crt': file(files, 'server/server.crt'), 'tls.key': file(files, 'server/server.key'), 'ca.crt': root }),
  ];
  // The other servers of a bundle of several: server/ is the primary's.
  const primary = input.answers.servers?.[0]?.split('=')[0];
  for (const name of [...new Set(files.map((f) => /^servers\/([^/]+)\/server\.crt$/.exec(f.path)?.[1]))].filter((n): n is string => n !== undefined && n !== primary).sort()) {
    objects.push(secret(`${cluster}-server-${roleSlug(name)}-tls`, input, 'kubernetes.io/tls', { 'tls.crt': file(files, `servers/${name}/server.crt`), 'tls.key': file(files, `servers/${name}/server.key`), 'ca.crt': root }));
  }
  const seen = new Map<string, string>();
  for (const role of bundleClients(files)) {
    const name = `${cluster}-client-${roleSlug(role)}`;
    const other = seen.get(name);
    if (other !== undefined) throw new UsageError(`export: roles ${other} and ${role} would both become the secret ${name}; revoke or rename one`);
    seen.set(name, role);
    objects.push(
      secret(name, input, 'kubernetes.io/tls', {
        'tls.crt': file(files, `clients/${role}/postgresql.crt`),
        'tls.key': file(files, `clients/${role}/postgresql.key`),
        'ca.crt': file(files, `clients/${role}/root.crt`),
      }),
    );
  }
  if (input.caKey) objects.push(secret(`${cluster}-ca`, input, 'Opaque', { 'ca.crt': root, 'ca.key': input.caKey }));
  return { objects, notes: [] };
}

/** The bundle as Kubernetes objects and their YAML; bad input is a UsageError. */
export function exportKubernetes(input: ExportInput): ExportResult {
  const problem = nameProblem('--cluster', input.cluster, 40) ?? (input.namespace !== undefined ? nameProblem('--namespace', input.namespace, 63) : undefined) ?? caKeyProblem(input);
  if (problem) throw new UsageError(problem);
  const { objects, notes } = input.target === 'kubernetes' ? cloudNativePg(input) : plainSecrets(input);
  const header = [
    `Made by pg-secure-setup export --to ${input.target}. It holds private keys: keep it out of version control.`,
    `Apply with: kubectl apply -f FILE${input.namespace ? '' : ' --namespace NAMESPACE'}`,
  ];
  return { objects, yaml: toYamlStream(objects, header), notes };
}
