/** `status` from the command line: exit codes for near expiry and for a server running other files (real PostgreSQL 15). */
import test from 'ava';
import { rm } from 'node:fs/promises';
import { runCli } from '../helpers/cli.js';
import { startCluster } from '../helpers/cluster.js';
import { cli, makeBundle, setUp, tearDown } from '../e2e/apply-helpers.js';

test.serial('--warn-days, --json and bad input', async (t) => {
  const { bundle, work } = await makeBundle(['--days', '90']);
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const ok = await runCli(['status', bundle]);
  t.is(ok.code, 0, ok.stdout);
  t.regex(ok.stdout, /^ {2}server +serial [0-9a-f]+ +until \d{4}-\d\d-\d\d +(89|90) days left/m);
  t.regex(ok.stdout, /^ {2}client alice +serial/m);
  t.regex(ok.stdout, /Nothing to do\./);

  const near = await runCli(['status', bundle, '--warn-days', '120', '--json']);
  t.is(near.code, 1);
  const report = JSON.parse(near.stdout) as { certificates: { role: string }[]; problems: string[] };
  t.deepEqual(report.certificates.map((c) => c.role), ['root', 'server', 'client']);
  t.regex(report.problems[0]!, /^server certificate expires in (89|90) days .*: renew it: pg-secure-setup renew BUNDLE$/);

  for (const [args, message] of [
    [['--warn-days', 'soon'], /--warn-days soon: give a whole number of days from 0 to 36500/],
    [[work], /status: give exactly one bundle directory/],
    [['--pgdata'], /Option '--pgdata <value>' argument missing/],
    [['--pgdata', work, '--connect', 'host=127.0.0.1'], /give --connect or --pgdata\/--config-dir, not both/],
    [['--connect', 'host=/tmp'], /--connect: give a TCP host/],
    [['--server', 'db1'], /--server NAME goes with --pgdata, --config-dir or --connect/],
    [['--server', 'db1', '--pgdata', work], /--server db1: the bundle describes one server; leave --server out/],
  ] as const) {
    const r = await runCli(['status', bundle, ...args]);
    t.is(r.code, 2, r.stdout);
    t.regex(r.stderr, message);
  }
  const missing = await runCli(['status', `${work}/nothing-here`]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /nothing-here: cannot read the bundle \(ENOENT\)/);
});

test.serial('--pgdata and --connect: exit 1 while the server holds another certificate than the bundle, 0 once applied', async (t) => {
  const s = await setUp(startCluster);
  try {
    const { c, bundle } = s;
    const before = await runCli(['status', bundle, '--pgdata', c.dataDir]);
    t.is(before.code, 1);
    t.regex(before.stdout, new RegExp(`the server at ${c.dataDir} has no certificate from this bundle: pg-secure-setup apply BUNDLE`));

    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    const applied = await runCli(['status', bundle, '--pgdata', c.dataDir]);
    t.is(applied.code, 0, applied.stdout);
    t.regex(applied.stdout, /certificate is the bundle's, CRL is the bundle's/);

    const connect = `host=127.0.0.1 port=${c.port}`;
    const live = await runCli(['status', bundle, '--connect', connect]);
    t.is(live.code, 0, live.stdout);
    t.regex(live.stdout, new RegExp(`Server \\(127\\.0\\.0\\.1:${c.port}\\): certificate is the bundle's\n`));

    t.is((await runCli(['renew', bundle])).code, 0);
    const renewed = await runCli(['status', bundle, '--pgdata', c.dataDir]);
    t.is(renewed.code, 1);
    t.regex(renewed.stdout, /runs another certificate than this bundle/);
    const liveOld = await runCli(['status', bundle, '--connect', connect]);
    t.is(liveOld.code, 1);
    t.regex(liveOld.stdout, new RegExp(`the server at 127\\.0\\.0\\.1:${c.port} runs another certificate than this bundle`));
    t.is((await cli(['apply', bundle, '--pgdata', c.dataDir])).code, 0);
    t.is((await runCli(['status', bundle, '--pgdata', c.dataDir])).code, 0);
  } finally {
    await tearDown(s);
  }
});
