/**
 * The facts the answers default to, from fake pg_config, postgres and
 * hostname first on PATH: pg_config's version wins and postgres is then
 * not run; postgres answers when pg_config is missing; the staged facts
 * give the version at once and run hostname -f only when the FQDN is asked
 * for; a name hostname -f cannot vouch for is left out.
 */
import test from 'ava';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatherEnvFacts, parsePgVersion, stagedEnvFacts } from '../../src/commands/env-facts.js';

const PATH = process.env.PATH ?? '';

/** Fake commands in a fresh directory first on PATH, each logging its run; undefined leaves a command out. */
function withFakes(outputs: { pg_config?: string; postgres?: string; hostname?: string }): { log: () => string; done: () => void } {
  const bin = mkdtempSync(join(tmpdir(), 'pgss-fakes-'));
  const log = join(bin, 'log');
  writeFileSync(log, '');
  for (const [name, out] of Object.entries(outputs)) {
    if (out === undefined) continue;
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\nprintf '%s\\n' '${out}'\n`);
    chmodSync(join(bin, name), 0o755);
  }
  // Only the fakes (they need nothing but /bin/sh and its builtins): the machine's pg_config must not answer.
  process.env.PATH = bin;
  return {
    log: () => readFileSync(log, 'utf8'),
    done: () => {
      process.env.PATH = PATH;
      rmSync(bin, { recursive: true, force: true });
    },
  };
}

test('version lines of pg_config and postgres', (t) => {
  t.is(parsePgVersion('PostgreSQL 16.4 (Debian 16.4-1)'), 16);
  t.is(parsePgVersion('postgres (PostgreSQL) 13.1'), 13);
  t.is(parsePgVersion('PostgreSQL 18beta1'), 18);
  t.is(parsePgVersion('something else'), undefined);
});

test.serial("pg_config's version wins and postgres is then not asked", async (t) => {
  const fakes = withFakes({ pg_config: 'PostgreSQL 14.9', postgres: 'postgres (PostgreSQL) 13.1', hostname: 'db.example.com' });
  try {
    t.like(await gatherEnvFacts({ fqdn: true }), { detectedPgVersion: 14, fqdn: 'db.example.com' });
    t.deepEqual(fakes.log().split('\n').filter(Boolean).sort(), ['hostname -f', 'pg_config --version'], 'they run side by side');
  } finally {
    fakes.done();
  }
});

test.serial('without pg_config, postgres --version answers', async (t) => {
  const fakes = withFakes({ postgres: 'postgres (PostgreSQL) 13.1' });
  try {
    t.like(await gatherEnvFacts(), { detectedPgVersion: 13 });
    t.is(fakes.log(), 'postgres --version\n');
  } finally {
    fakes.done();
  }
});

test.serial('staged: the version at once; hostname -f runs only when the FQDN is asked for', async (t) => {
  const fakes = withFakes({ pg_config: 'PostgreSQL 17.2', hostname: 'db.example.com' });
  try {
    const staged = stagedEnvFacts();
    const first = await staged.first;
    t.is(first.detectedPgVersion, 17);
    t.is(first.fqdn, undefined);
    t.notRegex(fakes.log(), /hostname/, 'hostname -f has not run yet');
    const full = await staged.full();
    t.like(full, { detectedPgVersion: 17, fqdn: 'db.example.com' });
    t.is(staged.full(), staged.full(), 'one lookup, however often it is asked for');
    t.is(fakes.log(), 'pg_config --version\nhostname -f\n');
  } finally {
    fakes.done();
  }
});

test.serial('no FQDN when hostname -f gives the short name again, is missing, or gives no usable name', async (t) => {
  for (const out of [hostname(), undefined, 'not a host!']) {
    const fakes = withFakes({ pg_config: 'PostgreSQL 15.1', ...(out === undefined ? {} : { hostname: out }) });
    try {
      t.is((await stagedEnvFacts({ detectVersion: false }).full()).fqdn, undefined, String(out));
      t.notRegex(fakes.log(), /pg_config/, 'the version is not looked up when it is known');
    } finally {
      fakes.done();
    }
  }
});
