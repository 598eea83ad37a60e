/** generate --connect --transport gssapi asks the server whether it was built with GSSAPI (18.10) before writing anything. */
import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startCluster } from '../helpers/cluster.js';

const PASSWORD = 'prefill secret';

async function tryGenerate(version: 16 | undefined): Promise<{ code: number; stderr: string; written: string[] }> {
  const c = await startCluster(version ? { version } : {});
  const work = await mkdtemp(join(tmpdir(), 'pgss-gssbuild-'));
  try {
    await c.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'`);
    await writeFile(join(work, 'server.keytab'), Buffer.from([0x05, 0x02, 0, 0]));
    const connect = `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=disable`;
    const r = await runCli(['generate', '--connect', connect, '--out', join(work, 'bundle'), '--host', 'localhost', '--transport', 'gssapi', '--krb-realm', 'EXAMPLE.COM', '--krb-keytab', join(work, 'server.keytab')], { env: { PGPASSWORD: PASSWORD } });
    return { code: r.code, stderr: r.stderr, written: (await readdir(work)).sort() };
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
}

test('a server built without GSSAPI (the npm build of 16): exit 2, the reason, nothing written', async (t) => {
  const r = await tryGenerate(16);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /--transport gssapi: the server was built without GSSAPI \(its pg_config CONFIGURE has no --with-gssapi\)/);
  t.deepEqual(r.written, ['server.keytab']);
});

test("Debian's PostgreSQL 15 (built --with-gssapi): said so, and the bundle is written", async (t) => {
  const r = await tryGenerate(undefined);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /The server was built with GSSAPI/);
  t.deepEqual(r.written, ['bundle', 'server.keytab']);
});
