/** Shared by the replication end-to-end tests: a primary and its standby, and waiting on them. */
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { givePostgres, startCluster, type Cluster } from '../helpers/cluster.js';

/** Poll the thing itself until it holds, for at most `ms`; the last value seen either way. */
export async function until(what: () => Promise<string>, ok: (v: string) => boolean, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  let v = '';
  while (Date.now() < end) {
    v = await what().catch((e: unknown) => String(e));
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return v;
}

/** A running primary ready to stream (wal_level replica) and a stopped cluster to become its standby; both stopped in teardown. */
export async function primaryAndStandby(t: { teardown(fn: () => Promise<void>): void }): Promise<{ primary: Cluster; standby: Cluster }> {
  const { primary, standbys } = await primaryAndStandbys(t, 1);
  return { primary, standby: standbys[0]! };
}

/** A running primary ready to stream and `count` stopped clusters to become its standbys; all stopped in teardown, standbys first. */
export async function primaryAndStandbys(t: { teardown(fn: () => Promise<void>): void }, count: number): Promise<{ primary: Cluster; standbys: Cluster[] }> {
  const primary = await startCluster({ settings: { wal_level: 'replica' } });
  const standbys = await Promise.all(Array.from({ length: count }, () => startCluster({ start: false })));
  t.teardown(async () => {
    await Promise.all(standbys.map((s) => s.stop()));
    await primary.stop();
  });
  return { primary, standbys };
}

/** The walsenders of `c` that stream, one line each, by the standby's name: application_name|usename|ssl|client_dn. */
export function streamingFrom(c: Cluster): Promise<string> {
  return c.psql("SELECT string_agg(concat_ws('|', r.application_name, r.usename, s.ssl, s.client_dn), E'\\n' ORDER BY r.application_name) FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.state = 'streaming'");
}

/** A client's files (clients/ROLE/) where the postgres user can read them, key 0600, as the README installs them. */
export async function installReplicationFiles(bundle: string, role: string, dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o700 });
  for (const [name, mode] of [['postgresql.crt', 0o644], ['root.crt', 0o644], ['postgresql.key', 0o600]] as const) {
    await copyFile(join(bundle, 'clients', role, name), join(dir, name));
    await chmod(join(dir, name), mode);
    await givePostgres(join(dir, name));
  }
  await givePostgres(dir);
}
