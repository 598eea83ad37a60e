import test from 'ava';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLocalAdmin, HbaEditError, hbaRecords, insertRules, parseHba, rewriteMd5ToScram, serializeHba, type HbaDocument, type HbaRule } from '../../src/hba/index.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'hba');
const corpus = readdirSync(fixtures)
  .filter((f) => f.endsWith('.conf'))
  .map((f) => [f, readFileSync(join(fixtures, f), 'utf8')] as const);

const tls: HbaRule = { type: 'hostssl', databases: ['all'], users: ['all'], address: '0.0.0.0/0', method: 'scram-sha-256', options: [['clientcert', 'verify-full']] };
const noPlain: HbaRule = { type: 'hostnossl', databases: ['all'], users: ['all'], address: 'all', method: 'reject', options: [] };
const localPeer: HbaRule = { type: 'local', databases: ['all'], users: ['all'], method: 'peer', options: [] };

const text = (doc: HbaDocument): string => serializeHba(doc);
const edit = (source: string, f: (d: HbaDocument) => HbaDocument): string => text(f(parseHba(source)));

// Physical lines (with their endings) of a text, to compare what an edit kept.
const physical = (s: string): string[] => s.match(/[^\n]*\n|[^\n]+$/g) ?? [];

/** `before` minus its removed lines must appear, in order and unchanged, in `after`. */
function keptInOrder(before: string, after: string, removed: (line: string) => boolean = () => false): boolean {
  const rest = physical(after);
  let j = 0;
  for (const line of physical(before)) {
    if (removed(line)) continue;
    while (j < rest.length && rest[j] !== line) j++;
    if (j === rest.length) return false;
    j++;
  }
  return true;
}

const inserts = test.macro({
  exec(t, source: string, rules: HbaRule[], expected: string) {
    t.is(edit(source, (d) => insertRules(d, rules)), expected);
  },
  title: (given = '') => `insertRules: ${given}`,
});

const block = (...lines: string[]): string => ['# BEGIN pg-secure-setup', ...lines, '# END pg-secure-setup', ''].join('\n');

test(
  'network rules go after the leading local records and above the comment of the first host record',
  inserts,
  'local all all peer\n# IPv4 local connections:\nhost all all 127.0.0.1/32 md5\n',
  [tls, noPlain],
  `local all all peer\n${block('hostssl   all             all             0.0.0.0/0               scram-sha-256 clientcert=verify-full', 'hostnossl all             all             all                     reject')}# IPv4 local connections:\nhost all all 127.0.0.1/32 md5\n`,
);
test('a local rule goes above the first local record', inserts, '# header\n\nlocal all postgres peer\nhost all all all md5\n', [localPeer], `# header\n\n${block('local     all             all                                     peer')}local all postgres peer\nhost all all all md5\n`);
test('a header comment at the top of the file stays first', inserts, '# header\nhost all all all md5\n', [tls], `# header\n${block('hostssl   all             all             0.0.0.0/0               scram-sha-256 clientcert=verify-full')}host all all all md5\n`);
test('an include counts as a record of any type', inserts, 'local all all peer\ninclude_dir conf.d\nlocal all x peer\n', [noPlain], `local all all peer\n${block('hostnossl all             all             all                     reject')}include_dir conf.d\nlocal all x peer\n`);
test('no records: appended at the end', inserts, '# only comments\n', [noPlain], `# only comments\n${block('hostnossl all             all             all                     reject')}`);
test('an empty file gets just the block', inserts, '', [noPlain], block('hostnossl all             all             all                     reject'));
test('no final newline stays missing', inserts, 'local all all peer', [noPlain], `local all all peer\n${block('hostnossl all             all             all                     reject').slice(0, -1)}`);
test('a last line ending in a backslash is closed before the block', inserts, 'local all all peer \\\n', [noPlain], `local all all peer \\\n\n${block('hostnossl all             all             all                     reject')}`);
test('CRLF files get CRLF lines', inserts, 'local all all peer\r\nhost all all all md5\r\n', [noPlain], `local all all peer\r\n${block('hostnossl all             all             all                     reject').replace(/\n/g, '\r\n')}host all all all md5\r\n`);

test('insertRules writes per-rule comments', (t) => {
  const out = edit('', (d) => insertRules(d, [tls, noPlain], { comments: ['TLS with a client certificate', undefined] }));
  t.is(out, block('# TLS with a client certificate', 'hostssl   all             all             0.0.0.0/0               scram-sha-256 clientcert=verify-full', 'hostnossl all             all             all                     reject'));
});

test('insertRules replaces its block in place', (t) => {
  const first = edit('local all all peer\nhost all all all md5\n', (d) => insertRules(d, [tls, noPlain]));
  const moved = first.replace('local all all peer\n', '') + 'local all all peer\n';
  const second = edit(moved, (d) => insertRules(d, [noPlain]));
  t.is(second, `${block('hostnossl all             all             all                     reject')}host all all all md5\nlocal all all peer\n`);
});

test('insertRules is idempotent and keeps every other line byte for byte, on every fixture', (t) => {
  for (const [name, source] of corpus) {
    const once = edit(source, (d) => insertRules(d, [localPeer, tls, noPlain], { comments: ['admin', 'tls', undefined] }));
    t.is(edit(once, (d) => insertRules(d, [localPeer, tls, noPlain], { comments: ['admin', 'tls', undefined] })), once, name);
    t.true(keptInOrder(source.endsWith('\n') || source === '' ? source : `${source}\n`, once.endsWith('\n') ? once : `${once}\n`), name);
  }
});

test('insertRules is idempotent on random rule sets', (t) => {
  const rule = fc.record({
    type: fc.constantFrom('local', 'host', 'hostssl', 'hostnossl'),
    databases: fc.array(fc.constantFrom('all', 'replication', 'app', 'my db', 'x,y'), { minLength: 1, maxLength: 3 }),
    users: fc.array(fc.constantFrom('all', '+admins', 'bob', 'r "q"'), { minLength: 1, maxLength: 3 }),
    address: fc.constantFrom('all', '10.0.0.0/8', '::1/128', '.example.com'),
    method: fc.constantFrom('scram-sha-256', 'reject', 'md5'),
    options: fc.constant([] as [string, string][]),
  });
  const [, debian] = corpus.find(([n]) => n === 'debian-pg15.conf')!;
  const view = (r: HbaRule) => [r.type, r.databases, r.users, r.type === 'local' ? undefined : r.address, r.method];
  fc.assert(
    fc.property(fc.array(rule, { minLength: 1, maxLength: 5 }), (rules) => {
      const fixed: HbaRule[] = rules.map((r) => (r.type === 'local' ? { ...r, address: undefined } : r));
      const once = edit(debian, (d) => insertRules(d, fixed));
      const lines = parseHba(once).lines;
      const from = lines.findIndex((l) => l.text === '# BEGIN pg-secure-setup');
      const to = lines.findIndex((l) => l.text === '# END pg-secure-setup');
      // What was written reads back as the same rules, and a second run changes nothing.
      const back = lines.slice(from, to).flatMap((l) => (l.kind === 'record' ? [view(l.rule)] : []));
      t.deepEqual(back, fixed.map(view));
      return edit(once, (d) => insertRules(d, fixed)) === once;
    }),
    { numRuns: 200 },
  );
});

test('insertRules refuses a broken block', (t) => {
  for (const source of ['# BEGIN pg-secure-setup\nlocal all all peer\n', '# END pg-secure-setup\n# BEGIN pg-secure-setup\n', '# BEGIN pg-secure-setup\n# END pg-secure-setup\n# BEGIN pg-secure-setup\n# END pg-secure-setup\n']) {
    t.throws(() => insertRules(parseHba(source), [noPlain]), { instanceOf: HbaEditError });
  }
  t.throws(() => insertRules(parseHba(''), [noPlain], { comments: ['ends in a backslash \\'] }), { instanceOf: HbaEditError });
  t.throws(() => insertRules(parseHba(''), [noPlain], { comments: ['END pg-secure-setup'] }), { instanceOf: HbaEditError });
});

test('insertRules honours another marker name', (t) => {
  const out = edit('', (d) => insertRules(d, [noPlain], { marker: 'other tool' }));
  t.true(out.startsWith('# BEGIN other tool\n') && out.includes('# END other tool\n'));
});

const rewrites = test.macro({
  exec(t, source: string, expected: string) {
    t.is(edit(source, rewriteMd5ToScram), expected);
  },
  title: (given, source: string) => given ?? `rewriteMd5ToScram: ${JSON.stringify(source)}`,
});

test(rewrites, 'host      all             all             127.0.0.1/32            md5\n', 'host      all             all             127.0.0.1/32            scram-sha-256\n');
test(rewrites, 'host all all all md5              # c\n', 'host all all all scram-sha-256    # c\n');
test(rewrites, 'hostssl all all all md5   clientcert=verify-full\n', 'hostssl all all all scram-sha-256 clientcert=verify-full\n');
test(rewrites, 'host all all all md5\t# tab stays\n', 'host all all all scram-sha-256\t# tab stays\n');
test(rewrites, 'host all all all md5   \n', 'host all all all scram-sha-256   \n');
test(rewrites, 'host all all all md5#c\n', 'host all all all scram-sha-256#c\n');
test(rewrites, 'host all all all "md5"  # quoted\n', 'host all all all scram-sha-256 # quoted\n');
test(rewrites, 'local all all md5\r\nhost all all all md5', 'local all all scram-sha-256\r\nhost all all all scram-sha-256');
test(rewrites, 'host all all \\\n  all md5 # continued\n', 'host all all \\\n  all scram-sha-256 # continued\n');
test('rewriteMd5ToScram: a method split by a continuation is joined', rewrites, 'host all all all md\\\n5\nlocal all all peer\n', 'host all all all scram-sha-256\nlocal all all peer\n');
test('rewriteMd5ToScram: md5 in a name, an option or a comment is left alone', rewrites, 'host md5 md5 md5.example.com trust # md5\n', 'host md5 md5 md5.example.com trust # md5\n');
test('rewriteMd5ToScram: invalid lines are left alone', rewrites, 'host all all 10.0.0.0/33 md5\n', 'host all all 10.0.0.0/33 md5\n');

test('rewriteMd5ToScram changes only md5 records, keeps line numbers right, and is idempotent', (t) => {
  for (const [name, source] of corpus) {
    const doc = rewriteMd5ToScram(parseHba(source));
    const out = text(doc);
    t.false(hbaRecords(doc).some((l) => l.rule.method === 'md5'), name);
    t.is(text(rewriteMd5ToScram(parseHba(out))), out, name);
    t.deepEqual(
      doc.lines.map((l) => l.lineNumber),
      parseHba(out).lines.map((l) => l.lineNumber),
      name,
    );
    const md5Lines = new Set(hbaRecords(parseHba(source)).filter((l) => l.rule.method === 'md5').flatMap((l) => physical(l.raw + l.eol)));
    t.true(keptInOrder(source, out, (line) => md5Lines.has(line)), name);
  }
});

const admin = test.macro({
  exec(t, source: string, expected: string) {
    const out = edit(source, (d) => ensureLocalAdmin(d, 'postgres'));
    t.is(out, expected);
    t.is(edit(out, (d) => ensureLocalAdmin(d, 'postgres')), out, 'idempotent');
  },
  title: (given = '') => `ensureLocalAdmin: ${given}`,
});

const ADMIN = '# postgres keeps administrative access over the Unix socket (pg-secure-setup)\nlocal     all             postgres                                peer\n';

test('kept when local all all peer comes first', admin, 'local all all peer\n', 'local all all peer\n');
test('kept when local all postgres ident comes first', admin, 'local all postgres ident\nlocal all all reject\n', 'local all postgres ident\nlocal all all reject\n');
test('kept when only host and replication records come before', admin, 'host all all all reject\nlocal replication all reject\nlocal all all peer\n', 'host all all all reject\nlocal replication all reject\nlocal all all peer\n');
test('kept when an earlier local record names other roles only', admin, 'local all alice reject\nlocal all postgres peer\n', 'local all alice reject\nlocal all postgres peer\n');
test('added when the first matching local record rejects', admin, '# hdr\n\nlocal all all reject\n', `# hdr\n\n${ADMIN}local all all reject\n`);
test('added when it asks for a password', admin, 'local all all scram-sha-256\n', `${ADMIN}local all all scram-sha-256\n`);
test('added when peer uses a map', admin, 'local all all peer map=admins\n', `${ADMIN}local all all peer map=admins\n`);
test('added when peer covers only some databases', admin, 'local postgres all peer\n', `${ADMIN}local postgres all peer\n`);
test('added when a +group might match first', admin, 'local all +ops reject\nlocal all all peer\n', `${ADMIN}local all +ops reject\nlocal all all peer\n`);
test('added when a quoted "all" role is all that matches', admin, 'local all "all" peer\n', `${ADMIN}local all "all" peer\n`);
test('added before an include', admin, 'include_dir conf.d\nlocal all all peer\n', `${ADMIN}include_dir conf.d\nlocal all all peer\n`);
test('added to a file without records', admin, '# nothing\n', `# nothing\n${ADMIN}`);

test('ensureLocalAdmin quotes an OS user that needs it', (t) => {
  const out = edit('', (d) => ensureLocalAdmin(d, 'all'));
  t.true(out.includes('local     all             "all"'));
  const rec = hbaRecords(parseHba(out))[0]!;
  t.deepEqual(rec.rule.users, ['all']);
  t.deepEqual(rec.rule.quoted, { users: [true] });
});

test('edits keep untouched line objects and renumber the rest', (t) => {
  const doc = parseHba('a\nb\nhost all all all md5\n');
  const out = insertRules(doc, [localPeer]);
  t.is(out.lines[0], doc.lines[0]);
  t.deepEqual(
    out.lines.map((l) => l.lineNumber),
    out.lines.map((_, i) => i + 1),
  );
  t.is(rewriteMd5ToScram(parseHba('local all all peer\n')).lines.length, 1);
});

test('after every edit the parsed view is what parsing the new text gives', (t) => {
  const edits: [string, (d: HbaDocument) => HbaDocument][] = [
    ['insertRules', (d) => insertRules(d, [localPeer, tls])],
    ['rewriteMd5ToScram', rewriteMd5ToScram],
    ['ensureLocalAdmin', (d) => ensureLocalAdmin(d, 'postgres')],
  ];
  const extra = ['local all all md5 \\', 'host all all all md5 \\\n', 'local all all reject'];
  for (const [name, source] of [...corpus, ...extra.map((e) => [JSON.stringify(e), e] as const)]) {
    for (const [editName, f] of edits) {
      const doc = f(parseHba(source));
      t.deepEqual(doc.lines, parseHba(serializeHba(doc)).lines, `${editName} on ${name}`);
      t.is(doc.eol, parseHba(serializeHba(doc)).eol);
    }
  }
});
