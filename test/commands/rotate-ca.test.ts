/**
 * `rotate-ca` end to end on PostgreSQL 15, each phase installed with apply:
 * clients holding the files of the phase before and clients holding the new
 * ones both connect with verify-full, until finish retires the old root.
 */
import test from 'ava';
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startCluster } from '../helpers/cluster.js';
import { cli, connectTcp, setUp, tearDown } from '../e2e/apply-helpers.js';

const tls = (dir: string) => ({ sslmode: 'verify-full', sslrootcert: join(dir, 'root.crt'), sslcert: join(dir, 'postgresql.crt'), sslkey: join(dir, 'postgresql.key') });
const outcome = (p: Promise<string>) => p.then((out) => `connected ${out}`, (e: Error) => e.message);

test.serial('trust, switch, finish: old and new client files connect at every phase until finish', async (t) => {
  const s = await setUp(startCluster, ['--pki', 'ca-intermediate']);
  try {
    const { c, bundle, work } = s;
    const keep = async (name: string) => {
      const dir = join(work, name);
      await cp(join(bundle, 'clients', 'alice'), dir, { recursive: true });
      return dir;
    };
    const step = async (phase: string, extra: string[] = []) => {
      const r = await runCli(['rotate-ca', bundle, '--phase', phase, ...extra]);
      t.is(r.code, 0, r.stderr);
      const applied = await cli(['apply', bundle, '--pgdata', c.dataDir]);
      t.is(applied.code, 0, applied.stderr + applied.stdout);
    };
    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    const gen0 = await keep('gen0');

    const early = await runCli(['rotate-ca', bundle, '--phase', 'switch']);
    t.is(early.code, 2);
    t.regex(early.stderr, /the bundle is not in a rollover; the next phase is --phase trust/);

    const notYet = await runCli(['rotate-ca', bundle, '--phase', 'trust']);
    t.is(notYet.code, 0, notYet.stderr);
    const unapplied = await runCli(['rotate-ca', bundle, '--phase', 'switch', '--pgdata', c.dataDir]);
    t.is(unapplied.code, 2);
    t.regex(unapplied.stderr, /does not run this bundle as it stands: apply it .* before the next phase/);
    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    const gen1 = await keep('gen1');
    t.regex((await runCli(['status', bundle])).stdout, /CA rollover under way: phase trust done/);
    t.is(await outcome(connectTcp(c, work, tls(gen0))), 'connected t', 'trust: old files');
    t.is(await outcome(connectTcp(c, work, tls(gen1))), 'connected t', 'trust: new files (both roots)');

    await step('switch', ['--pgdata', c.dataDir]);
    const gen2 = await keep('gen2');
    const status = await runCli(['status', bundle]);
    t.is(status.code, 0, status.stdout);
    t.regex(status.stdout, /root \(next\) .*\(ca\/next\/root\.crt\)/);
    t.regex(status.stdout, /phase switch done/);
    t.is(await outcome(connectTcp(c, work, tls(gen1))), 'connected t', 'switch: files of the trust phase');
    t.is(await outcome(connectTcp(c, work, tls(gen2))), 'connected t', 'switch: new certificate from the new CA');
    t.regex(await outcome(connectTcp(c, work, tls(gen0))), /certificate verify failed/, 'files from before the rollover never learnt the new root');

    await step('finish');
    t.is(await outcome(connectTcp(c, work, tls(gen2))), 'connected t', 'finish: new files');
    t.regex(await outcome(connectTcp(c, work, tls(gen1))), /SSL error: (tlsv1 alert unknown ca|sslv3 alert certificate unknown)/, 'finish: a certificate of the old CA is refused');
    const after = await runCli(['status', bundle]);
    t.is(after.code, 0, after.stdout);
    t.notRegex(after.stdout, /rollover|\(next\)/);
    t.true((await readdir(join(bundle, 'ca'))).some((n) => n.startsWith('retired-')), 'the old CA is kept aside');
  } finally {
    await tearDown(s);
  }
});

test.serial('a CA kept outside the bundle (--ca): next/ beside it, then the old CA retired there', async (t) => {
  const { mkdtemp, rename, rm, stat } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const work = await mkdtemp(join(tmpdir(), 'pgss-rotate-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const bundle = join(work, 'b');
  const ca = join(work, 'offline');
  t.is((await runCli(['generate', '--out', bundle, '--pki', 'ca', '--client-user', 'alice', '--host', 'localhost', '--pg-version', '15', '-q'])).code, 0);
  await rename(join(bundle, 'ca'), ca);
  const missing = await runCli(['rotate-ca', bundle, '--phase', 'trust']);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /root CA certificate \(ENOENT\); if the CA was moved offline, pass --ca DIR/);
  for (const phase of ['trust', 'switch']) t.is((await runCli(['rotate-ca', bundle, '--phase', phase, '--ca', ca])).code, 0, phase);
  t.is((await stat(join(ca, 'next', 'root.key'))).mode & 0o777, 0o600);
  t.false((await readdir(bundle)).includes('ca'), 'no CA key is written into the bundle');
  t.is((await runCli(['rotate-ca', bundle, '--phase', 'finish', '--ca', ca])).code, 0);
  const left = (await readdir(ca)).sort();
  t.deepEqual(left.filter((n) => !n.startsWith('retired-')), ['README.md', 'root.crt', 'root.key']);
  t.is(left.filter((n) => n.startsWith('retired-')).length, 1);
  const status = await runCli(['status', bundle, '--ca', ca]);
  t.is(status.code, 0, status.stdout);
  t.regex(status.stdout, /\(from \d{4}-\d\d-\d\d\): number \d+/);
});
