/** Shared by the replication end-to-end tests: a primary and its standby, and waiting on them. */
import { startCluster, type Cluster } from '../helpers/cluster.js';

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
  const primary = await startCluster({ settings: { wal_level: 'replica' } });
  const standby = await startCluster({ start: false });
  t.teardown(async () => {
    await standby.stop();
    await primary.stop();
  });
  return { primary, standby };
}
