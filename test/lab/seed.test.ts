/**
 * The lab's pure parts: the seeded pg_hba.conf carries exactly the problems
 * the course is about (judged by the project's own lint), connection
 * strings that survive awkward paths, and
 * which directories a new lab may take.
 */
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintHba, parseHba } from '../../src/hba/index.js';
import { labConnect, labPaths, notALabReason } from '../../src/lab/layout.js';
import { labHba } from '../../src/lab/seed.js';
import { parseConnString } from '../../src/pg/server.js';

test('the seeded rules are trust and md5 on purpose; the superuser\'s SCRAM rule comes first', (t) => {
  const doc = parseHba(labHba('lab_admin'));
  const codes = lintHba(doc).map((f) => f.code).sort();
  t.deepEqual(codes, ['md5-network', 'md5-network', 'plaintext-allowed', 'plaintext-allowed', 'plaintext-allowed', 'trust-local', 'trust-network']);
  t.regex(labHba('lab_admin'), /^# TYPE[^\n]*\nlocal +all +lab_admin +scram-sha-256\n/m);
});

test('the connection string keeps a directory with spaces and quotes intact', (t) => {
  const p = labPaths("/tmp/my lab's dir");
  const params = parseConnString(labConnect(p, { port: 54320, superuser: 'lab_admin' }));
  t.like(params, { host: "/tmp/my lab's dir/sock", port: 54320, user: 'lab_admin', dbname: 'postgres', passfile: "/tmp/my lab's dir/pgpass" });
});

test('a new lab takes a missing or empty directory only', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-lab-dirs-'));
  try {
    t.is(await notALabReason(join(work, 'missing')), undefined);
    await mkdir(join(work, 'empty'));
    t.is(await notALabReason(join(work, 'empty')), undefined);
    await mkdir(join(work, 'cluster'));
    await writeFile(join(work, 'cluster', 'PG_VERSION'), '15\n');
    t.regex((await notALabReason(join(work, 'cluster'))) ?? '', /holds a PostgreSQL data directory that is not a lab/);
    await writeFile(join(work, 'file'), 'x');
    t.regex((await notALabReason(join(work, 'file'))) ?? '', /cannot be read as a directory \(ENOTDIR\)/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
