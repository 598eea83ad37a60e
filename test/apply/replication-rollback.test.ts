/**
 * rollback --replication-files DIR undoes apply --replication-files DIR,
 * one install at a time, with the real CLI as root into a directory of the
 * postgres user (no server: none is located or reloaded).
 */
import test from 'ava';
import { appendFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, makeBundle } from '../e2e/apply-helpers.js';
import { stateDirFor } from '../../src/apply/state-dir.js';

const ROLE = 'replicator';
const FILES = ['postgresql.crt', 'postgresql.key', 'root.crt'];

async function modeOwner(path: string): Promise<string> {
  const st = await stat(path);
  return `${(st.mode & 0o777).toString(8)} ${st.uid}:${st.gid}`;
}

async function contents(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, `${await modeOwner(join(dir, n))} ${(await readFile(join(dir, n))).toString('base64')}`] as const)));
}

/** A bundle with a replication role, its files installed into DIR, then re-issued and installed again. */
async function installedTwice(t: { teardown: (f: () => Promise<void>) => void; is: (a: unknown, b: unknown, m?: string) => void }) {
  const { bundle, work } = await makeBundle(['--client-certs', 'cert', '--replication-user', ROLE]);
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const certs = join(work, 'replication');
  const first = await cli(['apply', bundle, '--replication-files', certs]);
  t.is(first.code, 0, first.stderr + first.stdout);
  const afterFirst = await contents(certs);
  const issued = await cli(['issue', bundle, '--client-user', ROLE, '--force']);
  t.is(issued.code, 0, issued.stderr);
  const second = await cli(['apply', bundle, '--replication-files', certs]);
  t.is(second.code, 0, second.stderr + second.stdout);
  return { bundle, work, certs, first, second, afterFirst };
}

test('each rollback --replication-files goes one install back: the old bytes with their mode and owner, then the created files removed, then nothing left', async (t) => {
  const { bundle, certs, first, second, afterFirst } = await installedTwice(t);
  t.regex(first.stdout, new RegExp(`Recorded the new files in \\S+ \\(rollback --replication-files ${certs} removes them\\)`));
  t.regex(first.stdout, new RegExp(`Undo: pg-secure-setup rollback --replication-files ${certs}`));
  t.regex(second.stdout, /Backed up 2 file\(s\) to /);
  const postgres = (await stat(certs)).uid;
  t.not(postgres, 0, 'the directory is the postgres user\'s');
  const afterSecond = await contents(certs);
  t.notDeepEqual(afterSecond, afterFirst, 'the re-issued certificate and key were installed');

  const list = await cli(['rollback', '--replication-files', certs, '--list']);
  t.is(list.code, 0, list.stderr);
  t.is(list.stdout.match(/ applied +\d file\(s\) +from /g)?.length, 2, list.stdout);

  const dry = await cli(['rollback', '--replication-files', certs, '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, new RegExp(`# ${certs}/postgresql\\.key: contents sha256:\\w{16} -> sha256:\\w{16} \\(private: not shown\\)`));
  t.notRegex(dry.stdout, /PRIVATE KEY/, 'the key only by checksum');
  t.regex(dry.stdout, new RegExp(`^--- ${certs}/postgresql\\.crt`, 'm'), 'the certificate as a diff');
  t.regex(dry.stdout, /No server would be reloaded: a standby's walreceiver reads the replication files when it next connects/);
  t.regex(dry.stdout, /Dry run: nothing was changed/);
  t.deepEqual(await contents(certs), afterSecond, 'the dry run changed nothing');

  const back = await cli(['rollback', '--replication-files', certs]);
  t.is(back.code, 0, back.stderr + back.stdout);
  t.regex(back.stdout, new RegExp(`Rolled back the install of \\S+ in ${certs}: 2 file\\(s\\) restored, 0 removed`));
  t.regex(back.stdout, /No server was reloaded: a standby's walreceiver reads the replication files when it next connects/);
  t.deepEqual(await contents(certs), afterFirst, 'the first install\'s bytes, modes and owners');
  t.is((await modeOwner(join(certs, 'postgresql.key'))).split(' ')[0], '600');
  t.is((await stat(join(certs, 'postgresql.key'))).uid, postgres);
  t.notDeepEqual(await readFile(join(certs, 'postgresql.key')), await readFile(join(bundle, 'clients', ROLE, 'postgresql.key')), 'no longer the bundle\'s re-issued key');

  const further = await cli(['rollback', '--replication-files', certs]);
  t.is(further.code, 0, further.stderr + further.stdout);
  t.regex(further.stdout, /0 file\(s\) restored, 3 removed \(the directory itself is left\)/);
  t.deepEqual(await readdir(certs), []);

  const none = await cli(['rollback', '--replication-files', certs]);
  t.is(none.code, 2);
  t.regex(none.stderr, new RegExp(`nothing left to roll back for ${certs}: every install there is rolled back`));
  const listed = await cli(['rollback', '--replication-files', certs, '--list']);
  t.is(listed.stdout.match(/ rolled-back /g)?.length, 2, listed.stdout);

  // Installing again after the rollbacks works as a first install.
  const again = await cli(['apply', bundle, '--replication-files', certs]);
  t.is(again.code, 0, again.stderr);
  t.deepEqual((await readdir(certs)).sort(), FILES);
});

test('a replication file edited since the install is not overwritten without --force; --backup picks an older install', async (t) => {
  const { certs, afterFirst } = await installedTwice(t);
  await appendFile(join(certs, 'postgresql.crt'), '# edited by hand\n');
  const edited = await contents(certs);
  const refused = await cli(['rollback', '--replication-files', certs]);
  t.is(refused.code, 2);
  t.regex(refused.stderr, new RegExp(`changed since the apply of \\S+: ${certs}/postgresql\\.crt\\nRolling back would discard those changes; pass --force`));
  t.deepEqual(await contents(certs), edited, 'nothing was changed');

  const stamps = [...(await cli(['rollback', '--replication-files', certs, '--list'])).stdout.matchAll(/^(\S+) +applied/gm)].map((m) => m[1]!);
  t.is(stamps.length, 2);
  const unknown = await cli(['rollback', '--replication-files', certs, '--backup', '19990101T000000.000Z']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /no backup "19990101T000000\.000Z" for .*--list/);

  const forced = await cli(['rollback', '--replication-files', certs, '--force', '--backup', stamps[0]!]);
  t.is(forced.code, 0, forced.stderr + forced.stdout);
  t.deepEqual(await contents(certs), afterFirst);
  const twice = await cli(['rollback', '--replication-files', certs, '--backup', stamps[0]!]);
  t.is(twice.code, 2);
  t.regex(twice.stderr, /is rolled-back: there is nothing of it to roll back/);
});

test('rollback --replication-files: bad input exits 2 naming the problem, nothing changed', async (t) => {
  const { bundle, work } = await makeBundle(['--client-certs', 'cert', '--replication-user', ROLE]);
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const certs = join(work, 'replication');
  t.is((await cli(['apply', bundle, '--replication-files', certs])).code, 0);
  const installed = await contents(certs);
  const never = join(work, 'never-installed');
  const bad: [string[], RegExp][] = [
    [['rollback', '--replication-files', 'replication'], /--replication-files "replication" is a relative path/],
    [['rollback', '--replication-files', `${certs}/../replication`], /not a plain absolute path/],
    [['rollback', '--replication-files', certs, '--pgdata', certs], /--replication-files undoes apply --replication-files, which changes no data directory: leave out --pgdata/],
    [['rollback', '--replication-files', certs, '--config-dir', '/etc', '--connect', 'host=localhost'], /leave out --config-dir, --connect/],
    [['rollback', '--replication-files', never], new RegExp(`no backups for ${never}: apply --replication-files ${never} has not installed files there`)],
  ];
  for (const [args, why] of bad) {
    const r = await cli(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, why, args.join(' '));
    t.regex(r.stderr, /Nothing was changed|leave out|relative path|plain absolute/, args.join(' '));
  }
  t.deepEqual(await contents(certs), installed);
  t.false(existsSync(stateDirFor(never)), 'no state directory made for a directory without backups');
  const list = await cli(['rollback', '--replication-files', never, '--list']);
  t.is(list.code, 0);
  t.regex(list.stdout, new RegExp(`No backups for ${never}`));
});
