/**
 * The bundle README after `revoke` and a later `issue`: the revoked role's
 * copy commands are gone (they would copy a certificate the server now
 * refuses), a note says what happened and what to do, and a new
 * certificate brings the role's section back where it stood.
 */
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

test('revoke turns the role\'s README section into a note and its file rows into revoked/ ones; issue brings the section back in place', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-revoke-readme-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const bundle = join(work, 'b');
  t.is((await runCli(['generate', '--out', bundle, '--host', 'localhost', '--pki', 'ca', '--client-certs', 'verify-full', '--client-user', 'alice', '--client-user', 'bob', '--client-user', 'carol', '-q'])).code, 0);
  const before = await readFile(join(bundle, 'README.md'), 'utf8');
  const r = await runCli(['revoke', bundle, '--client-user', 'bob']);
  t.is(r.code, 0, r.stderr);
  const moved = /files moved to (revoked\/bob-[0-9a-f]+\/)/.exec(r.stdout)![1]!;
  const after = await readFile(join(bundle, 'README.md'), 'utf8');
  t.false(after.includes('clients/bob/'), 'no command or row names the revoked files any more');
  t.regex(after, new RegExp(`^\\| \`${moved}postgresql\\.key\` \\| 0600 \\| .*\\(revoked\\) \\|$`, 'm'));
  t.regex(after, /^### bob \(revoked\)\n\nThe certificate of bob \(serial [0-9a-f]+\) was revoked on \d{4}-\d\d-\d\d/m);
  t.regex(after, /`npx pg-secure-setup issue \. --client-user bob`/);
  const sections = (text: string) => text.split('\n').filter((l) => /^#{2,3} /.test(l));
  t.deepEqual(sections(after), sections(before).map((h) => (h === '### bob' ? '### bob (revoked)' : h)), 'the other sections are where they were');
  t.true(after.includes(before.slice(before.indexOf('### carol'))), 'carol\'s section and all after it unchanged');

  const issued = await runCli(['issue', bundle, '--client-user', 'bob']);
  t.is(issued.code, 0, issued.stderr);
  const again = await readFile(join(bundle, 'README.md'), 'utf8');
  t.deepEqual(sections(again), sections(before), 'the new section stands where the old one stood');
  t.regex(again, /cp -i clients\/bob\/root\.crt clients\/bob\/postgresql\.crt/);
  t.notRegex(again, /### bob \(revoked\)/);
});

test('issue adds the new role\'s section under "Connect", after the others: the sections after it (Standby) stay as they were, once', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-issue-readme-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const bundle = join(work, 'b');
  t.is((await runCli(['generate', '--out', bundle, '--host', 'localhost', '--pki', 'ca', '--client-certs', 'cert', '--client-user', 'alice', '--replication-user', 'replicator', '-q'])).code, 0);
  const before = await readFile(join(bundle, 'README.md'), 'utf8');
  t.is((await runCli(['issue', bundle, '--client-user', 'zed'])).code, 0);
  const after = await readFile(join(bundle, 'README.md'), 'utf8');
  const headings = (text: string) => text.split('\n').filter((l) => /^#{2,3} /.test(l));
  const expected = headings(before);
  expected.splice(expected.indexOf('### alice') + 1, 0, '### zed');
  t.deepEqual(headings(after), expected);
  t.true(after.endsWith(before.slice(before.indexOf('\n## Standby'))), 'the Standby section and all after it unchanged');
});
