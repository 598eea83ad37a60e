/**
 * pg_config started early for the wizard: the run started then is the one
 * the wizard later awaits, and nothing is started for --help, a version
 * given with --pg-version, or without a terminal. Each case starts with
 * one fake pg_config on PATH and asks with another: the version tells which
 * run answered.
 */
import test from 'ava';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgConfigOutput, startWizardProbes } from '../../src/commands/env-probes.js';

const PATH = process.env.PATH;
const dirs: string[] = [];

/** A directory holding only a pg_config that prints this version. */
function fakePgConfig(version: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'pgss-fake-pg-config-'));
  writeFileSync(join(bin, 'pg_config'), `#!/bin/sh\necho 'PostgreSQL ${version}'\n`);
  chmodSync(join(bin, 'pg_config'), 0o755);
  dirs.push(bin);
  return bin;
}

const atStart = fakePgConfig('14.9');
const later = fakePgConfig('16.2');

test.after.always(() => {
  process.env.PATH = PATH;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What pg_config says when asked after startWizardProbes(argv) ran with the first fake on PATH. */
async function answeredAfter(argv: string[], isTTY: boolean): Promise<string | undefined> {
  process.env.PATH = atStart;
  startWizardProbes(argv, { isTTY });
  process.env.PATH = later;
  return (await pgConfigOutput())?.trim();
}

test.serial('the wizard on a terminal awaits the pg_config started before its code loaded', async (t) => {
  t.is(await answeredAfter([], true), 'PostgreSQL 14.9');
  t.is(await answeredAfter(['--out', 'b', '--plain'], true), 'PostgreSQL 14.9');
});

test.serial('nothing is started early for --help, --pg-version or without a terminal', async (t) => {
  for (const [argv, isTTY] of [[['--help'], true], [['-h'], true], [['--pg-version', '15'], true], [['--pg-version=15'], true], [[], false]] as const) {
    t.is(await answeredAfter([...argv], isTTY), 'PostgreSQL 16.2', `${argv.join(' ')} ${isTTY ? 'on a terminal' : 'without a terminal'}`);
  }
});
