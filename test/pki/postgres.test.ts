// The certificates as PostgreSQL 15 and libpq see them: one throwaway
// cluster, certificate files swapped with a reload.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { issueAll, makeCrl, type CertRequest, type IssuedCert } from '../../src/pki/index.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { Scratch } from './openssl.js';

const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
const common = { notBefore, notAfter: new Date(notBefore.getTime() + 86_400_000), keyBits: 2048 } as const;
const hosts = ['localhost', '127.0.0.1'];
const requests: CertRequest[] = [
  { id: 'self', kind: 'self-signed-server', commonName: 'localhost', hosts, ...common },
  { id: 'root', kind: 'root-ca', commonName: 'PG Test Root', ...common },
  { id: 'intermediate', kind: 'intermediate-ca', commonName: 'PG Test Intermediate', issuer: 'root', ...common },
  { id: 'server', kind: 'server', commonName: 'localhost', hosts, issuer: 'intermediate', ...common },
  { id: 'client:alice', kind: 'client', commonName: 'alice', issuer: 'intermediate', ...common },
];

let scratch: Scratch;
let cluster: Cluster | undefined;
let certs: Map<string, IssuedCert>;
const pem = (id: string) => certs.get(id)?.certPem ?? '';
const key = (id: string) => certs.get(id)?.keyPem ?? '';

/** Connect over TCP with libpq (psql); resolves to stdout or the error text. */
function connect(params: Record<string, string>): Promise<{ ok: boolean; out: string }> {
  const conn = Object.entries({ host: 'localhost', port: String(cluster?.port), dbname: 'postgres', ...params })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return new Promise((resolve) => {
    execFile(
      join(cluster?.bin ?? '', 'psql'),
      ['-XAtq', conn, '-c', 'SELECT current_user || \' \' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'],
      { env: { ...process.env, PGCONNECT_TIMEOUT: '10' } },
      (err, stdout, stderr) => resolve({ ok: !err, out: err ? stderr : stdout.trim() }),
    );
  });
}

test.before(async () => {
  scratch = await Scratch.create();
  [certs, cluster] = await Promise.all([issueAll(requests), startCluster({ start: false })]);
  await writeFile(join(scratch.dir, 'self.crt'), pem('self'));
  await writeFile(join(scratch.dir, 'root.crt'), pem('root'));
  // The client sends its intermediate along; the server trusts only the root.
  await writeFile(join(scratch.dir, 'alice.crt'), pem('client:alice') + pem('intermediate'));
  await writeFile(join(scratch.dir, 'alice.key'), key('client:alice'), { mode: 0o600 });
  await cluster.writeDataFile('server.crt', pem('self'), 0o644);
  await cluster.writeDataFile('server.key', key('self'));
  await cluster.writeDataFile('root.crt', pem('root'), 0o644);
  await cluster.writeDataFile('pg_hba.conf', 'local all postgres peer\nhostssl all postgres 127.0.0.1/32 trust\nhostssl all alice 127.0.0.1/32 cert\n');
  await cluster.appendConf("ssl = on\nssl_ca_file = 'root.crt'");
  await cluster.start();
  await cluster.psql('CREATE ROLE alice LOGIN');
});

test.after.always(async () => {
  await cluster?.stop();
  await scratch?.remove();
});

test.serial('libpq verify-full accepts the self-signed server certificate as its own root', async (t) => {
  const r = await connect({ user: 'postgres', sslmode: 'verify-full', sslrootcert: join(scratch.dir, 'self.crt') });
  t.deepEqual(r, { ok: true, out: 'postgres true' });
  const wrong = await connect({ user: 'postgres', sslmode: 'verify-full', sslrootcert: join(scratch.dir, 'root.crt') });
  t.false(wrong.ok);
});

test.serial('chain: server sends server + intermediate; a client certificate logs in, then is revoked', async (t) => {
  if (!cluster) throw new Error('no cluster');
  await cluster.writeDataFile('server.crt', pem('server') + pem('intermediate'), 0o644);
  await cluster.writeDataFile('server.key', key('server'));
  await cluster.reload();
  const root = join(scratch.dir, 'root.crt');
  const server = await connect({ user: 'postgres', sslmode: 'verify-full', sslrootcert: root });
  t.deepEqual(server, { ok: true, out: 'postgres true' });

  const asAlice = { user: 'alice', sslmode: 'verify-full', sslrootcert: root, sslcert: join(scratch.dir, 'alice.crt'), sslkey: join(scratch.dir, 'alice.key') };
  t.deepEqual(await connect(asAlice), { ok: true, out: 'alice true' });

  const intermediate = certs.get('intermediate');
  const alice = certs.get('client:alice');
  if (!intermediate || !alice) throw new Error('fixture incomplete');
  const crl = makeCrl(intermediate, {
    thisUpdate: notBefore,
    nextUpdate: common.notAfter,
    revoked: [{ serialHex: alice.serialHex, date: notBefore }],
  });
  await cluster.writeDataFile('root.crl', crl, 0o644);
  await cluster.appendConf("ssl_crl_file = 'root.crl'");
  await cluster.reload();
  const revoked = await connect(asAlice);
  t.false(revoked.ok);
  t.regex(revoked.out, /certificate revoked/);
});
