/**
 * `issue` end to end: a client certificate made later from the kept CA
 * connects under verify-full to a real PostgreSQL 15 that has only the
 * bundle's original files, under every client-certificate mode.
 */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startCluster } from '../helpers/cluster.js';
import { cli, connectTcp, makeBundle, PASSWORD, setUp, snapshot, tearDown } from '../e2e/apply-helpers.js';

const carolTls = (bundle: string) => {
  const dir = join(bundle, 'clients', 'carol');
  return { user: 'carol', sslmode: 'verify-full', sslrootcert: join(dir, 'root.crt'), sslcert: join(dir, 'postgresql.crt'), sslkey: join(dir, 'postgresql.key') };
};

const CN_SQL = 'SELECT coalesce(client_dn, \'-\') FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

for (const mode of ['verify-full', 'verify-ca', 'cert', 'none'] as const) {
  test.serial(`clientcert mode ${mode}: a client issued later connects with verify-full, CN = role`, async (t) => {
    const pki = mode === 'verify-full' ? ['--pki', 'ca-intermediate'] : [];
    const s = await setUp(startCluster, ['--client-certs', mode, ...pki]);
    try {
      const { c, bundle, work } = s;
      const applied = await cli(['apply', bundle, '--pgdata', c.dataDir]);
      t.is(applied.code, 0, applied.stderr + applied.stdout);
      await c.psql(`CREATE ROLE carol LOGIN PASSWORD '${PASSWORD}'`);

      const issued = await runCli(['issue', bundle, '--client-user', 'carol']);
      t.is(issued.code, 0, issued.stderr);
      t.regex(issued.stdout, /Issued a client certificate for carol .*signed by the (root|intermediate) CA/);
      for (const [name, mode8] of [['postgresql.crt', 0o644], ['postgresql.key', 0o600], ['postgresql.pk8', 0o600], ['root.crt', 0o644]] as const) {
        t.is((await stat(join(bundle, 'clients', 'carol', name))).mode & 0o777, mode8, name);
      }
      const leaf = new X509Certificate(await readFile(join(bundle, 'clients', 'carol', 'postgresql.crt')));
      t.is(leaf.subject, 'CN=carol');
      t.deepEqual(JSON.parse(await readFile(join(bundle, 'answers.json'), 'utf8')).clientUsers, ['alice', 'carol']);
      const readme = await readFile(join(bundle, 'README.md'), 'utf8');
      t.regex(readme, /### carol\n/);
      t.regex(readme, /\| `clients\/carol\/postgresql\.key` \| 0600 \|/);

      // The server was not touched after issue: it trusts the CA, so the new client connects.
      const dn = await connectTcp(c, work, carolTls(bundle), CN_SQL);
      t.is(dn, mode === 'none' ? '-' : '/CN=carol', 'the server saw carol\'s certificate (none: it asks for none)');
    } finally {
      await tearDown(s);
    }
  });
}

test.serial('issue refuses, exit 2 and nothing changed: an existing role without --force, a self-signed bundle, a missing CA key', async (t) => {
  const { bundle, work } = await makeBundle();
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const before = await snapshot([bundle, join(bundle, 'clients', 'alice'), join(bundle, 'server')]);
  const again = await runCli(['issue', bundle, '--client-user', 'alice']);
  t.is(again.code, 2);
  t.regex(again.stderr, /alice already has a client certificate .*--force/);
  const badName = await runCli(['issue', bundle, '--client-user', 'no such role!']);
  t.is(badName.code, 2);
  t.regex(badName.stderr, /"no such role!" is not a usable role name/);
  const tooLong = await runCli(['issue', bundle, '--client-user', 'dave', '--days', '99999']);
  t.is(tooLong.code, 2);
  t.regex(tooLong.stderr, /--days 99999: give a whole number of days from 1 to 36500/);
  const pastCa = await runCli(['issue', bundle, '--client-user', 'dave', '--days', '36000']);
  t.is(pastCa.code, 2);
  t.regex(pastCa.stderr, /would outlive its CA, which ends on \d{4}-\d\d-\d\d; give at most --days \d+/);
  await rename(join(bundle, 'ca'), join(bundle, '..', 'offline-ca'));
  const noCa = await runCli(['issue', bundle, '--client-user', 'dave']);
  t.is(noCa.code, 2);
  t.regex(noCa.stderr, /root CA certificate .*ENOENT.*pass --ca DIR where it is now/);
  t.deepEqual(await snapshot([bundle, join(bundle, 'clients', 'alice'), join(bundle, 'server')]), before);

  const withCa = await runCli(['issue', bundle, '--client-user', 'dave', '--ca', join(bundle, '..', 'offline-ca')]);
  t.is(withCa.code, 0, withCa.stderr);
  const reissue = await runCli(['issue', bundle, '--client-user', 'alice', '--force', '--ca', join(bundle, '..', 'offline-ca')]);
  t.is(reissue.code, 0, reissue.stderr);
  t.regex(reissue.stdout, /Re-issued [\s\S]* to end it now: pg-secure-setup revoke .* --serial [0-9a-f]+/);

  const selfSigned = join(bundle, '..', 'self');
  const gen = await runCli(['generate', '--out', selfSigned, '--pki', 'self-signed', '--client-certs', 'none', '--host', 'localhost', '--pg-version', '15', '-q']);
  t.is(gen.code, 0, gen.stderr);
  const r = await runCli(['issue', selfSigned, '--client-user', 'dave']);
  t.is(r.code, 2);
  t.regex(r.stderr, /a self-signed bundle has no CA to sign with; make a new bundle with a CA \(generate --pki ca\)/);
});
