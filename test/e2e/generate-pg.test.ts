/**
 * End to end: generate a bundle with the real CLI, install it on a real
 * PostgreSQL cluster the way its README says (apply.sh), and check with libpq
 * (psql) and node-postgres what a user would see.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { PASSWORD, psql, setUp, tearDown, type Setup } from './generate-pg-helpers.js';


function clientFiles(s: Setup, role: string) {
  const dir = join(s.bundle, 'clients', role);
  return { sslmode: 'verify-full', sslrootcert: join(dir, 'root.crt'), sslcert: join(dir, 'postgresql.crt'), sslkey: join(dir, 'postgresql.key') };
}

const modes = [
  { pki: 'self-signed', clientCerts: 'none' },
  ...['ca', 'ca-intermediate'].flatMap((pki) => ['none', 'verify-ca', 'verify-full', 'cert'].map((clientCerts) => ({ pki, clientCerts }))),
] as const;

for (const { pki, clientCerts } of modes) {
  test(`${pki}, client certificates ${clientCerts}: PostgreSQL 15 accepts the bundle and enforces it`, async (t) => {
    const users = clientCerts === 'none' ? [] : ['--client-user', 'postgres', '--client-user', 'alice'];
    const s = await setUp(['--pki', pki, '--client-certs', clientCerts, ...users]);
    try {
      // Every setting and rule was accepted.
      t.is(await s.cluster.psql('SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL'), '0');
      t.is(await s.cluster.psql('SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL'), '0');
      t.is(await s.cluster.psql('SHOW password_encryption'), 'scram-sha-256');
      t.notRegex(await s.cluster.readLog(), /was not reloaded/);
      // ...and every setting in the snippet is the value in force.
      const conf = await readFile(join(s.bundle, 'conf', 'pg-secure-setup.conf'), 'utf8');
      for (const [, name, value] of conf.matchAll(/^(\w+) = '?([^'\s]*)'?/gm)) {
        t.is(await s.cluster.psql(`SELECT current_setting('${name}')`), value ?? '', name);
      }

      const trust = clientCerts === 'none' ? { sslmode: 'verify-full', sslrootcert: join(s.bundle, 'server', 'root.crt') } : clientFiles(s, 'alice');
      // A verify-full client connects over TLS.
      t.regex(await psql(s, { ...trust, user: 'alice' }), /^t\|TLSv1\.[23]$/);
      // Plaintext is refused by the hostnossl reject rule.
      const plain = await psql(s, { sslmode: 'disable', user: 'alice' }).catch((e: Error) => e.message);
      t.regex(plain, /rejects connection for host "127\.0\.0\.1", user "alice", database "postgres", no encryption/);
      // ...and so is a plaintext replication connection, which `all` does not cover.
      const plainReplication = await psql(s, { sslmode: 'disable', user: 'alice', replication: 'true' }, 'IDENTIFY_SYSTEM').catch((e: Error) => e.message);
      t.regex(plainReplication, /rejects replication connection for host "127\.0\.0\.1", user "alice", no encryption/);
      // A host name that is not in the certificate fails verify-full.
      const wrong = await psql(s, { ...trust, user: 'alice', host: 'wrong.test' }).catch((e: Error) => e.message);
      t.regex(wrong, /does not match host name "wrong\.test"/);

      if (clientCerts !== 'none') {
        // No client certificate where one is required.
        const { sslcert: _c, sslkey: _k, ...noCert } = clientFiles(s, 'alice');
        const missing = await psql(s, { ...noCert, user: 'alice' }).catch((e: Error) => e.message);
        t.regex(missing, /connection requires a valid client certificate|certificate authentication failed/);
        // Another role's certificate: refused where the CN must match, accepted under verify-ca.
        const other = psql(s, { ...clientFiles(s, 'alice'), user: 'postgres' });
        if (clientCerts === 'verify-ca') t.regex(await other, /^t\|/);
        else t.regex(await other.catch((e: Error) => e.message), clientCerts === 'cert' ? /certificate authentication failed for user "postgres"/ : /password authentication failed for user "postgres"/);
      }
    } finally {
      await tearDown(s);
    }
  });
}

test('node-postgres connects with the client bundle and verify-full', async (t) => {
  const s = await setUp(['--pki', 'ca-intermediate', '--client-certs', 'verify-full', '--client-user', 'alice']);
  try {
    const dir = join(s.bundle, 'clients', 'alice');
    const client = new pg.Client({
      host: 'localhost',
      port: s.cluster.port,
      user: 'alice',
      database: 'postgres',
      password: PASSWORD,
      ssl: { ca: await readFile(join(dir, 'root.crt'), 'utf8'), cert: await readFile(join(dir, 'postgresql.crt'), 'utf8'), key: await readFile(join(dir, 'postgresql.key'), 'utf8') },
    });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      t.true(rows[0].ssl);
    } finally {
      await client.end();
    }
  } finally {
    await tearDown(s);
  }
});
