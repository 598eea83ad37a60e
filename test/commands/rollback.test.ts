/** rollback: one apply at a time, newest first; hand edits are not overwritten without --force. */
import test from 'ava';
import { appendFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster } from '../helpers/cluster.js';
import { addAlice, cli, connectTcp, makeBundle, snapshot, sslIs } from '../e2e/apply-helpers.js';

const withoutBackups = (snap: Record<string, string>) => Object.fromEntries(Object.entries(snap).filter(([k]) => !k.includes('pg-secure-setup.backups')));

test('two applies roll back one at a time; --dry-run shows the restore; an edited file needs --force', async (t) => {
  const [a, b, c] = await Promise.all([makeBundle(), makeBundle(['--allow-plaintext']), startCluster()]);
  try {
    await addAlice(c);
    const pristine = await snapshot([c.dataDir]);
    t.is((await cli(['apply', a.bundle, '--pgdata', c.dataDir])).code, 0);
    const afterA = await snapshot([c.dataDir]);
    const rb = await cli(['apply', b.bundle, '--pgdata', c.dataDir]);
    t.is(rb.code, 0, rb.stderr);
    t.true(await sslIs(c, 'on'));
    t.is(await connectTcp(c, a.work, { sslmode: 'disable' }), 'f', "bundle B's block replaced A's in place: no reject line, the old host rule serves plaintext");

    const list = await cli(['rollback', '--pgdata', c.dataDir, '--list']);
    t.is(list.stdout.match(/ applied /g)?.length, 2, list.stdout);

    const before = await snapshot([c.dataDir]);
    const dry = await cli(['rollback', '--pgdata', c.dataDir, '--dry-run']);
    t.is(dry.code, 0, dry.stderr);
    t.regex(dry.stdout, /^\+hostnossl all +all +all +reject$/m, 'the restore brings back bundle A\'s reject rule');
    t.regex(dry.stdout, /Dry run: nothing was changed/);
    t.deepEqual(await snapshot([c.dataDir]), before);

    await appendFile(join(c.dataDir, 'pg_hba.conf'), '# edited by hand\n');
    const refused = await cli(['rollback', '--pgdata', c.dataDir]);
    t.is(refused.code, 2);
    t.regex(refused.stderr, /changed since the apply of .*pg_hba\.conf[^]*--force/);

    const forced = await cli(['rollback', '--pgdata', c.dataDir, '--force']);
    t.is(forced.code, 0, forced.stderr);
    t.deepEqual(withoutBackups(await snapshot([c.dataDir])), withoutBackups(afterA), 'back to the state after the first apply');

    const second = await cli(['rollback', '--pgdata', c.dataDir]);
    t.is(second.code, 0, second.stderr);
    t.deepEqual(withoutBackups(await snapshot([c.dataDir])), withoutBackups(pristine));
    t.true(await sslIs(c, 'off'));
    t.is(await connectTcp(c, a.work, { sslmode: 'disable' }), 'f');
  } finally {
    await c.stop();
    await Promise.all([rm(a.work, { recursive: true, force: true }), rm(b.work, { recursive: true, force: true })]);
  }
});
