/** `pg-secure-setup export BUNDLE --to kubernetes|kubernetes-secrets`: the bundle as Kubernetes secrets. */
import { lstat, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { EXPORT_TARGETS, exportKubernetes, type ExportTarget } from '../export/kubernetes.js';
import { readBundle } from '../manage/bundle-io.js';
import { bundleArg } from '../manage/options.js';
import type { Command } from './command.js';

const OPTIONS = {
  to: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  cluster: { type: 'string' },
  'replication-role': { type: 'string' },
  'include-ca-key': { type: 'boolean' },
  ca: { type: 'string' },
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Refuse an --out that exists (unless --force and a regular file) before any work. */
async function checkOut(path: string, force: boolean): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`--out ${path}: cannot be used (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!st.isFile()) throw new UsageError(`--out ${path}: exists and is not a regular file; nothing was written`);
  if (!force) throw new UsageError(`--out ${path}: file exists; pass --force to replace it; nothing was written`);
}

/** Write `text` to `path` as 0600 from the first byte, by a rename: never half-written. */
async function writeOut(path: string, text: string): Promise<void> {
  const tmp = join(dirname(resolve(path)), `.${process.pid}-export.tmp`);
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new UsageError(`--out ${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was written`);
  }
}

/** `export`: the bundle as CloudNativePG secrets and a Cluster snippet, or plain TLS secrets. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'write a bundle as Kubernetes secrets: CloudNativePG\'s four, or plain kubernetes.io/tls',
  help: () => `Usage: pg-secure-setup export BUNDLE --to kubernetes|kubernetes-secrets [options]

--to kubernetes: the four secrets CloudNativePG takes for user-provided
certificates (serverCASecret, serverTLSSecret, clientCASecret,
replicationTLSSecret) and a Cluster snippet whose spec.certificates names them.
--to kubernetes-secrets: a kubernetes.io/tls secret (tls.crt, tls.key, ca.crt)
for the server and one for each client, for any workload to mount.
Every secret holds the bundle's files byte for byte.

Options:
  --to TARGET           kubernetes or kubernetes-secrets
  -n, --namespace NS    put every object in namespace NS
  --cluster NAME        the Cluster's name and the secrets' prefix (default postgresql)
  --replication-role ROLE
                        the client whose certificate replicates (default
                        streaming_replica, CloudNativePG's role; another role is
                        mapped to it in pg_ident)
  --include-ca-key      also export the CA's private key (clientCASecret's ca.key,
                        so CloudNativePG can sign client certificates); never without it
  --ca DIR              where the CA is kept (default BUNDLE/ca), for --include-ca-key
  -o, --out FILE        write to FILE (0600, atomic) instead of standard output
  --force               replace an existing --out FILE

Exit codes: 0 written, 2 bad input (nothing written), 1 other failure.`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      process.stdout.write(exportCommand.help() + '\n');
      return 0;
    }
    const dir = bundleArg(positionals, 'export');
    const target = values.to;
    if (target === undefined || !(EXPORT_TARGETS as readonly string[]).includes(target)) {
      throw new UsageError(`export: give --to ${EXPORT_TARGETS.join(' or ')}${target === undefined ? '' : ` (got "${target}")`}`);
    }
    if (values.out !== undefined) await checkOut(values.out, values.force === true);
    const bundle = await readBundle(dir);
    let caKey: Uint8Array | undefined;
    if (values['include-ca-key'] && bundle.answers.pki === 'ca') {
      const keyPath = join(values.ca ?? join(bundle.dir, 'ca'), 'root.key');
      try {
        caKey = new Uint8Array(await readFile(keyPath));
      } catch (err) {
        throw new UsageError(`--include-ca-key: cannot read the CA key ${keyPath} (${(err as NodeJS.ErrnoException).code}); name where the CA is kept with --ca DIR`);
      }
    } else if (values['include-ca-key']) {
      caKey = new Uint8Array(); // refused with the reason by the export itself
    }
    const result = exportKubernetes({
      files: bundle.files,
      answers: bundle.answers,
      target: target as ExportTarget,
      cluster: values.cluster ?? 'postgresql',
      ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
      ...(values['replication-role'] !== undefined ? { replicationRole: values['replication-role'] } : {}),
      ...(caKey ? { caKey } : {}),
    });
    if (values.out !== undefined) {
      await writeOut(values.out, result.yaml);
      process.stderr.write(`Wrote ${result.objects.length} objects to ${values.out} (0600: it holds private keys).\n`);
    } else {
      process.stdout.write(result.yaml);
    }
    for (const n of result.notes) process.stderr.write(`Note: ${n}\n`);
    return 0;
  },
};
