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
    const step = async (phase: string) => {
      const r = await runCli(['rotate-ca', bundle, '--phase', phase]);
      t.is(r.code, 0, r.stderr);
      const applied = await cli(['apply', bundle, '--pgdata', c.dataDir]);
      t.is(applied.code, 0, applied.stderr + applied.stdout);
    };
    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    const gen0 = await keep('gen0');

    const early = await runCli(['rotate-ca', bundle, '--phase', 'switch']);
    t.is(early.code, 2);
    t.regex(early.stderr, /the bundle is not in a rollover; the next phase is --phase trust/);

    await step('trust');
    const gen1 = await keep('gen1');
    t.regex((await runCli(['status', bundle])).stdout, /CA rollover under way: phase trust done/);
    t.is(await outcome(connectTcp(c, work, tls(gen0))), 'connected t', 'trust: old files');
    t.is(await outcome(connectTcp(c, work, tls(gen1))), 'connected t', 'trust: new files (both roots)');

    await step('switch');
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
