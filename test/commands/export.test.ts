/**
 * `export --to kubernetes|kubernetes-secrets` through the built CLI: the YAML
 * parses, every object has the shape Kubernetes and CloudNativePG document,
 * every secret decodes to the bundle's exact files, and the CA key appears
 * only when asked for.
 *
 * No Kubernetes cluster runs here: every object is validated against the
 * published schemas (core/v1 Secret from kubernetes-models, CloudNativePG's
 * Cluster CRD from @kubernetes-models/cloudnative-pg; test/helpers/k8s-schema.ts).
 * What those schemas leave to the API server is checked by hand against the
 * documented facts: data keys [-._a-zA-Z0-9]+, strict base64, type
 * kubernetes.io/tls requires tls.crt and tls.key, names are RFC 1123 labels,
 * and spec.certificates holds only CloudNativePG's five fields (the CRD
 * schema does not refuse unknown ones; the API server would prune them).
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { schemaProblem } from '../helpers/k8s-schema.js';
import { parseYamlStream } from '../helpers/yaml.js';

type Obj = Record<string, unknown>;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CERT_FIELDS = ['serverCASecret', 'serverTLSSecret', 'clientCASecret', 'replicationTLSSecret', 'serverAltDNSNames'];

function checkSecret(t: ExecutionContext, o: Obj, namespace: string | undefined): void {
  t.is(schemaProblem(o), undefined);
  const meta = o.metadata as Obj;
  t.is(o.apiVersion, 'v1');
  t.regex(String(meta.name), LABEL);
  t.is(meta.namespace, namespace);
  t.true(o.type === 'Opaque' || o.type === 'kubernetes.io/tls', String(o.type));
  const data = o.data as Obj;
  for (const [k, v] of Object.entries(data)) {
    t.regex(k, /^[-._a-zA-Z0-9]+$/);
    t.is(typeof v, 'string');
    t.is(Buffer.from(String(v), 'base64').toString('base64'), String(v), `${k} is strict base64`);
  }
  if (o.type === 'kubernetes.io/tls') t.true('tls.crt' in data && 'tls.key' in data, `${String(meta.name)}: a kubernetes.io/tls secret needs tls.crt and tls.key`);
}

function checkCluster(t: ExecutionContext, o: Obj): Obj {
  t.is(schemaProblem(o), undefined);
  t.is(o.apiVersion, 'postgresql.cnpg.io/v1');
  t.regex(String((o.metadata as Obj).name), LABEL);
  const spec = o.spec as Obj;
  t.true(Number.isInteger(spec.instances) && (spec.instances as number) >= 1, 'spec.instances is required');
  const certs = spec.certificates as Obj;
  for (const [k, v] of Object.entries(certs)) {
    t.true(CERT_FIELDS.includes(k), `spec.certificates.${k} is not a CloudNativePG field`);
    if (k === 'serverAltDNSNames') t.true(Array.isArray(v) && v.every((x) => typeof x === 'string'));
    else t.is(typeof v, 'string');
  }
  return certs;
}

/** Parse, check each object's shape, and index secrets by name. */
function parse(t: ExecutionContext, yaml: string, namespace?: string): { secrets: Map<string, Record<string, Buffer>>; clusters: Obj[] } {
  const docs = parseYamlStream(yaml) as Obj[];
  const secrets = new Map<string, Record<string, Buffer>>();
  const clusters: Obj[] = [];
  for (const o of docs) {
    if (o.kind === 'Secret') {
      checkSecret(t, o, namespace);
      const data = Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
      secrets.set(String((o.metadata as Obj).name), data);
    } else if (o.kind === 'Cluster') {
      checkCluster(t, o);
      clusters.push(o);
    }
    else t.fail(`unexpected kind ${String(o.kind)}`);
  }
  return { secrets, clusters };
}

async function bundle(t: ExecutionContext, args: string[], issue: string[] = []): Promise<{ dir: string; work: string }> {
  const work = await mkdtemp(join(tmpdir(), 'pgss-export-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const dir = join(work, 'bundle');
  const made = await runCli(['generate', '--out', dir, '--host', 'db.example.com', '--host', '127.0.0.1', '-q', ...args]);
  t.is(made.code, 0, made.stderr);
  for (const role of issue) {
    const r = await runCli(['issue', dir, '--client-user', role]);
    t.is(r.code, 0, r.stderr);
  }
  return { dir, work };
}

const bytes = (dir: string, path: string) => readFile(join(dir, path));

test('--to kubernetes: four CloudNativePG secrets and a Cluster naming them, each secret the bundle\'s exact files, no CA key', async (t) => {
  const { dir } = await bundle(t, ['--client-user', 'app'], ['streaming_replica']);
  const r = await runCli(['export', dir, '--to', 'kubernetes', '--namespace', 'db', '--cluster', 'pg1']);
  t.is(r.code, 0, r.stderr);
  const { secrets, clusters } = parse(t, r.stdout, 'db');
  t.deepEqual([...secrets.keys()], ['pg1-server-ca', 'pg1-server-tls', 'pg1-client-ca', 'pg1-replication-tls']);
  t.deepEqual(secrets.get('pg1-server-ca'), { 'ca.crt': await bytes(dir, 'server/root.crt') });
  t.deepEqual(secrets.get('pg1-server-tls'), { 'tls.crt': await bytes(dir, 'server/server.crt'), 'tls.key': await bytes(dir, 'server/server.key') });
  t.deepEqual(secrets.get('pg1-client-ca'), { 'ca.crt': await bytes(dir, 'server/root.crt') });
  t.deepEqual(secrets.get('pg1-replication-tls'), {
    'tls.crt': await bytes(dir, 'clients/streaming_replica/postgresql.crt'),
    'tls.key': await bytes(dir, 'clients/streaming_replica/postgresql.key'),
  });
  t.is(clusters.length, 1);
  const certs = checkCluster(t, clusters[0]!);
  t.deepEqual(certs, {
    serverCASecret: 'pg1-server-ca',
    serverTLSSecret: 'pg1-server-tls',
    clientCASecret: 'pg1-client-ca',
    replicationTLSSecret: 'pg1-replication-tls',
    serverAltDNSNames: ['db.example.com'],
  });
  t.is((clusters[0]!.metadata as Obj).namespace, 'db');
  // The CA key is nowhere: not as a key name, not in any encoding of its bytes.
  const caKey = await bytes(dir, 'ca/root.key');
  t.false(r.stdout.includes('ca.key'));
  t.false(r.stdout.includes(caKey.toString('base64')));
  const body = caKey.toString('utf8').split('\n')[1]!;
  t.false([...secrets.values()].some((d) => Object.values(d).some((b) => b.toString('utf8').includes(body))));
  t.regex(r.stderr, /verify-full must dial a name the certificate holds: db\.example\.com, 127\.0\.0\.1/);
});

test('the schemas refuse what the API server would: a broken Cluster or Secret is named with its field', async (t) => {
  const { dir } = await bundle(t, ['--client-user', 'streaming_replica']);
  const r = await runCli(['export', dir, '--to', 'kubernetes']);
  t.is(r.code, 0, r.stderr);
  const docs = parseYamlStream(r.stdout) as Obj[];
  const cluster = structuredClone(docs.find((o) => o.kind === 'Cluster')!);
  const secret = structuredClone(docs.find((o) => o.kind === 'Secret')!);
  t.is(schemaProblem(cluster), undefined);
  t.is(schemaProblem(secret), undefined);
  (cluster.spec as Obj).instances = 'three';
  t.regex(schemaProblem(cluster) ?? '', /instances must be integer/);
  ((cluster.spec as Obj).certificates as Obj).serverAltDNSNames = 'db.example.com';
  t.regex(schemaProblem(cluster) ?? '', /serverAltDNSNames must be array/);
  (secret.data as Obj)['ca.crt'] = '-----BEGIN CERTIFICATE-----';
  t.regex(schemaProblem(secret) ?? '', /ca\.crt must match format "byte"/);
});

test('--include-ca-key --out FILE: ca.key only in the client CA secret, the file 0600; an existing file is kept without --force', async (t) => {
  const { dir, work } = await bundle(t, []);
  const out = join(work, 'cnpg.yaml');
  const r = await runCli(['export', dir, '--to', 'kubernetes', '--include-ca-key', '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '');
  t.is((await stat(out)).mode & 0o777, 0o600);
  const { secrets, clusters } = parse(t, await readFile(out, 'utf8'));
  t.deepEqual(secrets.get('postgresql-client-ca'), { 'ca.crt': await bytes(dir, 'server/root.crt'), 'ca.key': await bytes(dir, 'ca/root.key') });
  t.deepEqual(Object.keys(secrets.get('postgresql-server-ca')!), ['ca.crt']);
  t.false(secrets.has('postgresql-replication-tls'), 'no replication certificate in the bundle: CloudNativePG signs one with ca.key');
  t.false('replicationTLSSecret' in checkCluster(t, clusters[0]!));
  t.regex(r.stderr, /CloudNativePG signs one for streaming_replica/);

  const before = await readFile(out);
  const again = await runCli(['export', dir, '--to', 'kubernetes', '--include-ca-key', '--out', out]);
  t.is(again.code, 2);
  t.regex(again.stderr, /file exists; pass --force/);
  t.deepEqual(await readFile(out), before);
  const forced = await runCli(['export', dir, '--to', 'kubernetes-secrets', '--out', out, '--force']);
  t.is(forced.code, 0, forced.stderr);
  t.false((await readFile(out, 'utf8')).includes('ca.key'));
});

test('--replication-role ROLE: that client replicates, mapped to streaming_replica in pg_ident', async (t) => {
  const { dir } = await bundle(t, ['--client-user', 'replicator']);
  const r = await runCli(['export', dir, '--to', 'kubernetes', '--replication-role', 'replicator']);
  t.is(r.code, 0, r.stderr);
  const { secrets, clusters } = parse(t, r.stdout);
  t.deepEqual(secrets.get('postgresql-replication-tls')!['tls.crt'], await bytes(dir, 'clients/replicator/postgresql.crt'));
  t.deepEqual((clusters[0]!.spec as Obj).postgresql, { pg_ident: ['cnpg_streaming_replica replicator streaming_replica'] });
});

test('a bundle made with --replication-user: its replication role replicates without being named again', async (t) => {
  const { dir } = await bundle(t, ['--client-user', 'app', '--replication-user', 'standby_role']);
  const r = await runCli(['export', dir, '--to', 'kubernetes']);
  t.is(r.code, 0, r.stderr);
  const { secrets, clusters } = parse(t, r.stdout);
  t.deepEqual(secrets.get('postgresql-replication-tls')!['tls.key'], await bytes(dir, 'clients/standby_role/postgresql.key'));
  t.deepEqual((clusters[0]!.spec as Obj).postgresql, { pg_ident: ['cnpg_streaming_replica standby_role streaming_replica'] });
});

test('--to kubernetes-secrets: a kubernetes.io/tls secret for the server and each client, works for a self-signed bundle too', async (t) => {
  const { dir } = await bundle(t, ['--pki', 'ca-intermediate', '--client-user', 'app', '--client-user', 'report_reader']);
  const r = await runCli(['export', dir, '--to', 'kubernetes-secrets']);
  t.is(r.code, 0, r.stderr);
  const { secrets, clusters } = parse(t, r.stdout);
  t.is(clusters.length, 0);
  t.deepEqual([...secrets.keys()], ['postgresql-server-tls', 'postgresql-client-app', 'postgresql-client-report-reader']);
  t.deepEqual(secrets.get('postgresql-client-report-reader'), {
    'tls.crt': await bytes(dir, 'clients/report_reader/postgresql.crt'),
    'tls.key': await bytes(dir, 'clients/report_reader/postgresql.key'),
    'ca.crt': await bytes(dir, 'clients/report_reader/root.crt'),
  });
  t.false(r.stdout.includes('ca.key'));

  const self = await bundle(t, ['--pki', 'self-signed']);
  const s = await runCli(['export', self.dir, '--to', 'kubernetes-secrets']);
  t.is(s.code, 0, s.stderr);
  t.deepEqual(parse(t, s.stdout).secrets.get('postgresql-server-tls')!['tls.crt'], await bytes(self.dir, 'server/server.crt'));
});

test('bad input: exit 2 with the reason, nothing written', async (t) => {
  const selfSigned = await bundle(t, ['--pki', 'self-signed']);
  const withCa = await bundle(t, ['--pki', 'ca-intermediate', '--client-user', 'app']);
  const out = join(selfSigned.work, 'out.yaml');
  const cases: [string[], RegExp][] = [
    [['export', selfSigned.dir, '--to', 'kubernetes', '--out', out], /self-signed server certificate and no CA, and CloudNativePG's clientCASecret needs the CA/],
    [['export', selfSigned.dir, '--to', 'kubernetes-secrets', '--include-ca-key', '--out', out], /a self-signed bundle has no CA key/],
    [['export', withCa.dir, '--to', 'kubernetes', '--include-ca-key', '--out', out], /intermediate CA.*cannot be handed over as ca\.key/],
    [['export', withCa.dir, '--to', 'kubernetes', '--out', out], /replicates as streaming_replica .*bundle has none for it \(clients: app\)/],
    [['export', withCa.dir, '--to', 'kubernetes', '--replication-role', 'nobody', '--out', out], /--replication-role nobody: the bundle has no client certificate/],
    [['export', withCa.dir, '--to', 'helm', '--out', out], /give --to kubernetes or kubernetes-secrets \(got "helm"\)/],
    [['export', withCa.dir, '--out', out], /give --to kubernetes or kubernetes-secrets$/m],
    [['export', withCa.dir, '--to', 'kubernetes-secrets', '--cluster', 'Bad_Name', '--out', out], /--cluster "Bad_Name": give lower-case letters/],
    [['export', withCa.dir, '--to', 'kubernetes-secrets', '--namespace=-x', '--out', out], /--namespace "-x": give lower-case letters/],
    [['export', join(withCa.work, 'missing'), '--to', 'kubernetes', '--out', out], /cannot read the bundle \(ENOENT\)/],
  ];
  for (const [args, why] of cases) {
    const r = await runCli(args);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, why);
    t.is(r.stdout, '');
    await t.throwsAsync(stat(out), undefined, `${args.join(' ')} wrote nothing`);
  }
  await writeFile(out, 'mine');
  const dirOut = await runCli(['export', withCa.dir, '--to', 'kubernetes-secrets', '--out', withCa.dir]);
  t.is(dirOut.code, 2);
  t.regex(dirOut.stderr, /exists and is not a regular file/);
});
