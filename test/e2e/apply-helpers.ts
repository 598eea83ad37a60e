/** Shared by the apply end-to-end tests: bundles, client connections, file snapshots. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli, type CliResult } from '../helpers/cli.js';
import type { Cluster } from '../helpers/cluster.js';
import { stateDirFor } from '../../src/apply/state-dir.js';

const run = promisify(execFile);
export const PASSWORD = 'correct horse battery staple';

const generated = new Map<string, Promise<string>>();

async function generate(extra: string[]): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'pgss-bundle-'));
  const bundle = join(work, 'bundle');
  const args = ['--pki', 'ca', '--client-certs', 'verify-full', '--client-user', 'alice', ...extra];
  const gen = await runCli(['generate', '--out', bundle, '--pg-version', '15', '--host', 'localhost', '--host', '127.0.0.1', '--network', '127.0.0.1/32', '-q', ...args]);
  if (gen.code !== 0) throw new Error(`generate failed: ${gen.stderr}`);
  process.once('exit', () => rmSync(work, { recursive: true, force: true }));
  return bundle;
}

/**
 * A bundle for PostgreSQL 15 on localhost, client certificates verify-full
 * for alice: generated once per set of arguments, copied for each test so
 * a test may edit its copy.
 */
export async function makeBundle(extra: string[] = []): Promise<{ work: string; bundle: string }> {
  const key = extra.join('\0');
  if (!generated.has(key)) generated.set(key, generate(extra));
  const source = await generated.get(key)!;
  const work = await mkdtemp(join(tmpdir(), 'pgss-apply-'));
  await chmod(work, 0o755);
  const bundle = join(work, 'bundle');
  await cp(source, bundle, { recursive: true, preserveTimestamps: true });
  return { work, bundle };
}

/** Run `pg-secure-setup apply|rollback ...`. */
export function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { timeout: 120_000 });
}

export async function addAlice(c: Cluster): Promise<void> {
  await c.psql(`CREATE ROLE alice LOGIN PASSWORD '${PASSWORD}'`);
}

/** Connect over TCP with psql (libpq); resolves to stdout, rejects with libpq's message. */
export async function connectTcp(c: Cluster, home: string, conninfo: Record<string, string>, sql = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'): Promise<string> {
  const info = { hostaddr: '127.0.0.1', host: 'localhost', port: String(c.port), dbname: 'postgres', user: 'alice', connect_timeout: '5', ...conninfo };
  const text = Object.entries(info).map(([k, v]) => `${k}='${v}'`).join(' ');
  try {
    const { stdout } = await run(join(c.clientBin, 'psql'), ['-XAtq', text, '-c', sql], { env: { ...process.env, HOME: home, PGPASSWORD: PASSWORD } });
    return stdout.trim();
  } catch (err) {
    throw new Error(String((err as { stderr?: string }).stderr ?? err));
  }
}

/** libpq settings for alice's client bundle under verify-full. */
export function aliceTls(bundle: string): Record<string, string> {
  const dir = join(bundle, 'clients', 'alice');
  return { sslmode: 'verify-full', sslrootcert: join(dir, 'root.crt'), sslcert: join(dir, 'postgresql.crt'), sslkey: join(dir, 'postgresql.key') };
}

/**
 * Checksum, mode and owner of every regular file directly in `dirs`
 * (postmaster.pid aside), and the names of the backup directories: equal
 * snapshots mean nothing was changed.
 */
export async function snapshot(dirs: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const dir of dirs) {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const st = await stat(path);
      if (!st.isFile() || name === 'postmaster.pid') continue;
      out[path] = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${createHash('sha256').update(await readFile(path)).digest('hex')}`;
    }
    // apply keeps its backups in its own state directory, keyed by the data directory.
    const backups = join(stateDirFor(dir), 'backups');
    if (existsSync(backups)) out[`pg-secure-setup.backups of ${dir}`] = (await readdir(backups)).sort().join(',');
  }
  return out;
}

/** Wait until the server reports ssl = on (a reload is asynchronous). */
export async function sslIs(c: Cluster, want: 'on' | 'off'): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if ((await c.psql('SHOW ssl')) === want) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** A running cluster, a bundle for it, and the temp directory holding the bundle. */
export interface Setup<C extends Cluster = Cluster> {
  c: C;
  work: string;
  bundle: string;
}

/** A cluster from `start` (with alice, who has a password) and a bundle made with `extra` flags, in parallel. */
export async function setUp<C extends Cluster>(start: () => Promise<C>, extra: string[] = []): Promise<Setup<C>> {
  const [{ work, bundle }, c] = await Promise.all([makeBundle(extra), start()]);
  await addAlice(c);
  return { c, work, bundle };
}

export async function tearDown(s: Setup): Promise<void> {
  await s.c.stop();
  await rm(s.work, { recursive: true, force: true });
}

/** A snapshot without apply's own backup directory. */
export const withoutBackups = (snap: Record<string, string>) => Object.fromEntries(Object.entries(snap).filter(([k]) => !k.includes('pg-secure-setup.backups')));
