/**
 * A generated bundle installed on a fresh PostgreSQL cluster the way its
 * README says (apply.sh), and psql (libpq) against it: shared by the
 * generate end-to-end tests and the installed-package test.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const run = promisify(execFile);
export const PASSWORD = 'correct horse battery staple';

/** A running cluster with a bundle applied. */
export interface Setup {
  cluster: Cluster;
  bundle: string;
  home: string;
}

/** Generate a bundle with `args` (by the CLI at `bin`, else the built one) and apply it to a new cluster. */
export async function setUp(args: string[], bin?: string): Promise<Setup> {
  const work = await mkdtemp(join(tmpdir(), 'pgss-e2e-'));
  const bundle = join(work, 'bundle');
  const gen = await runCli(['generate', '--out', bundle, '--pg-version', '15', '--host', 'localhost', '--host', '127.0.0.1', '--network', '127.0.0.1/32', '-q', ...args], { bin });
  if (gen.code !== 0) throw new Error(`generate failed: ${gen.stderr}`);
  const cluster = await startCluster();
  await cluster.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'; CREATE ROLE alice LOGIN PASSWORD '${PASSWORD}'`);
  const applied = await run('sh', [join(bundle, 'apply.sh'), cluster.dataDir]);
  if (!/==> Reload/.test(applied.stdout)) throw new Error(`apply.sh did not reload:\n${applied.stdout}`);
  for (let i = 0; i < 50 && (await cluster.psql('SHOW ssl')) !== 'on'; i++) await new Promise((r) => setTimeout(r, 100));
  return { cluster, bundle, home: work };
}

/** Stop the cluster, remove the bundle. */
export async function tearDown(s: Setup): Promise<void> {
  await s.cluster.stop();
  await rm(s.home, { recursive: true, force: true });
}

/** Connect with psql (libpq); resolves to stdout or rejects with libpq's message. */
export async function psql(s: Setup, conninfo: Record<string, string>, sql = 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()'): Promise<string> {
  const info = { hostaddr: '127.0.0.1', host: 'localhost', port: String(s.cluster.port), dbname: 'postgres', connect_timeout: '5', ...conninfo };
  const text = Object.entries(info).map(([k, v]) => `${k}='${v}'`).join(' ');
  try {
    const { stdout } = await run(join(s.cluster.bin, 'psql'), ['-XAtq', text, '-c', sql], { env: { ...process.env, HOME: s.home, PGPASSWORD: PASSWORD } });
    return stdout.trim();
  } catch (err) {
    throw new Error(String((err as { stderr?: string }).stderr ?? err));
  }
}
