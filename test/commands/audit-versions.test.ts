/**
 * `pg-secure-setup audit` judges pg_hba.conf by the server's own version:
 * clientcert=1 is a valid option on a real PostgreSQL 12 and a line the
 * server drops on 18 (npm server packages), from the files and live.
 */
import test from 'ava';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditReport } from '../../src/audit/index.js';
import { runCli } from '../helpers/cli.js';
import { startCluster } from '../helpers/cluster.js';

const LEGACY = 'hostssl all all 10.9.0.0/16 scram-sha-256 clientcert=1';
const BROKEN = ['hba-clientcert-legacy', 'hba-parse-error', 'hba-server-error'];

async function auditIds(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const r = await runCli(['audit', '--json', ...args], { env });
  try {
    return (JSON.parse(r.stdout) as AuditReport).findings.map((f) => f.id);
  } catch {
    throw new Error(`audit printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
}

for (const version of [12, 18] as const) {
  test(`PostgreSQL ${version}: "${LEGACY}" is ${version === 12 ? 'a valid rule' : 'a line the server drops'}, from the files and live`, async (t) => {
    const c = await startCluster({ version });
    try {
      await appendFile(join(c.dataDir, 'pg_hba.conf'), `${LEGACY}\n`);
      await c.psql("ALTER ROLE postgres PASSWORD 'pw'");
      const files = await auditIds(['--pgdata', c.dataDir]);
      const live = await auditIds(['--connect', `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=disable`], { PGPASSWORD: 'pw' });
      if (version === 12) {
        t.deepEqual(files.filter((id) => BROKEN.includes(id)), [], files.join(', '));
        t.deepEqual(live.filter((id) => BROKEN.includes(id)), [], live.join(', '));
      } else {
        t.true(files.includes('hba-clientcert-legacy'), files.join(', '));
        t.true(live.some((id) => BROKEN.includes(id)), live.join(', '));
      }
    } finally {
      await c.stop();
    }
  });
}
