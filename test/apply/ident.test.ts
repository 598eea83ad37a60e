/** pg_ident.conf for --gss-map: only the bundle's own map passes the check; the merge keeps every other byte. */
import test from 'ava';
import { checkBundleIdent, mergeIdent } from '../../src/apply/ident.js';

test('lines of another map, regexes and malformed lines are refused, naming the line', (t) => {
  t.deepEqual(checkBundleIdent('# comment\npg-secure-setup  carol@EX.COM  alice\n'), []);
  const found = checkBundleIdent('pg-secure-setup  carol@EX.COM  alice\nadmins  eve@EX.COM  postgres\npg-secure-setup  /^(.*)@EX$  \\1\npg-secure-setup  x\n');
  t.deepEqual(found.map((p) => p.where), ['conf/pg_ident.conf:2', 'conf/pg_ident.conf:3', 'conf/pg_ident.conf:4']);
  t.regex(found[0]!.message, /map "admins" is not the bundle's/);
});

test('the block is appended once and replaced on the next merge; other bytes stay', (t) => {
  const server = '# own\nlocalmap bob bob';
  const once = mergeIdent(server, 'pg-secure-setup a@R alice\n');
  t.true(once.startsWith(`${server}\n# BEGIN pg-secure-setup`));
  t.regex(once, /pg-secure-setup {2}a@R {2}alice\n# END/);
  const twice = mergeIdent(once, 'pg-secure-setup b@R bob\n');
  t.is(twice.match(/# BEGIN/g)?.length, 1);
  t.notRegex(twice, /a@R/);
  t.regex(twice, /b@R {2}bob/);
  t.is(mergeIdent(once, 'pg-secure-setup a@R alice\n'), once, 'the same lines change nothing');
});

test('a stray BEGIN line above the block (an edit cut short) keeps the lines after it on every merge', (t) => {
  const server = '# BEGIN pg-secure-setup user name map (pg-secure-setup)\nlocalmap  bob  bob\n';
  const once = mergeIdent(server, 'pg-secure-setup a@R alice\n');
  t.true(once.startsWith(server), 'appended after the stray line');
  const twice = mergeIdent(once, 'pg-secure-setup a@R alice\n');
  t.is(twice, once, 'the user\'s line after the stray BEGIN survives a second merge');
});
