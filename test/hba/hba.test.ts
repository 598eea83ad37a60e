import test from 'ava';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHba, serializeHba, tokenizeHbaLine, type HbaLine, type HbaRule } from '../../src/hba/index.js';
import { versionTraits } from '../../src/plan/versions.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'hba');
const corpus = readdirSync(fixtures).filter((f) => f.endsWith('.conf'));

const roundTrip = test.macro({
  exec(t, text: string) {
    t.is(serializeHba(parseHba(text)), text);
  },
  title: (given = '') => `round trip is byte-identical: ${given}`,
});

for (const file of corpus) test(file, roundTrip, readFileSync(join(fixtures, file), 'utf8'));

test('the corpus holds what the round trip must survive', (t) => {
  t.true(corpus.length >= 6);
  const all = corpus.map((f) => readFileSync(join(fixtures, f), 'utf8')).join('');
  for (const needle of ['\r\n', '\t', '  \n', '"x#y"', '+admins', '/^db_', '@dbs.txt', 'include_dir', '\\\n', 'fe80::', '.example.com', 'ident', 'trust']) {
    t.true(all.includes(needle), needle);
  }
  t.false(readFileSync(join(fixtures, 'crlf-no-final-newline.conf'), 'utf8').endsWith('\n'));
});

for (const [name, text] of [
  ['empty', ''],
  ['one newline', '\n'],
  ['no final newline', 'local all all peer'],
  ['lone CR', 'local all all peer\r'],
  ['CR CR LF', 'local all all peer\r\r\n'],
  ['backslash at EOF', 'local all all \\'],
  ['backslash then newline at EOF', 'local all all \\\n'],
  ['backslash then empty line', 'host all all \\\n\nlocal all all peer\n'],
  ['two backslashes', 'host all all \\\\\n\\\nx\n'],
  ['NUL byte', 'local all\0 all peer\n'],
  ['surrogate pair and BOM', '\uFEFF# \u{1F600}\nlocal all all peer\n'],
] as const) {
  test(name, roundTrip, text);
}

// Tokens that stress the tokenizer: quotes, commas, comments, continuations, keywords, addresses.
const hbaToken = fc.oneof(
  fc.constantFrom(...['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'all', 'replication', 'sameuser', 'samerole', '+grp', '/^r$', '@file', 'include', 'include_dir']),
  fc.constantFrom(...['127.0.0.1/32', '::1/128', '10.0.0.0', '255.0.0.0', 'fe80::1%lo', '.example.com', 'samehost', 'md5', 'scram-sha-256', 'peer', 'trust', 'clientcert=1', 'map=x']),
  fc.constantFrom(...['"', '""', ',', '#', '\\', '\\\n', '\\\r\n', '\r\n', '\n', '\r', '\t', ' ', '\0', '"a b"', '"a,b"', '"x#y"']),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

test('random hba-ish files round-trip byte for byte', (t) => {
  fc.assert(
    fc.property(fc.array(hbaToken, { maxLength: 60 }).map((parts) => parts.join('')), (text) => serializeHba(parseHba(text)) === text),
    { numRuns: 2000 },
  );
  t.pass();
});

test('read as each version reads it, random hba-ish files still round-trip, and 12 sees one line per physical line', (t) => {
  const v12 = versionTraits(12).hba;
  const v16 = versionTraits(16).hba;
  fc.assert(
    fc.property(fc.array(hbaToken, { maxLength: 60 }).map((parts) => parts.join('')), (text) => {
      const old = parseHba(text, v12);
      return serializeHba(old) === text && serializeHba(parseHba(text, v16)) === text && old.lines.every((l) => l.span === 1);
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

test('arbitrary unicode text round-trips byte for byte', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => serializeHba(parseHba(text)) === text),
    { numRuns: 1000 },
  );
  t.pass();
});

test('line numbers count physical lines, continuations included', (t) => {
  fc.assert(
    fc.property(fc.array(hbaToken, { maxLength: 60 }).map((parts) => parts.join('')), (text) => {
      const doc = parseHba(text);
      let n = 1;
      for (const line of doc.lines) {
        if (line.lineNumber !== n) return false;
        n += line.span;
      }
      return n - 1 === text.split('\n').length - (text.endsWith('\n') || text === '' ? 1 : 0);
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

function only(text: string): HbaLine {
  const lines = parseHba(text).lines.filter((l) => l.kind !== 'blank');
  if (lines.length !== 1) throw new Error(`expected one line, got ${lines.length}`);
  return lines[0]!;
}

const parsesTo = test.macro({
  exec(t, text: string, rule: HbaRule) {
    const line = only(text);
    if (line.kind !== 'record') return t.fail(`${line.kind}: ${line.kind === 'invalid' ? line.error : line.text}`);
    t.deepEqual(line.rule, rule);
  },
  title: (given, text: string) => given ?? `parses ${JSON.stringify(text)}`,
});

const r = (type: HbaRule['type'], databases: string[], users: string[], address: string | undefined, method: string, extra: Partial<HbaRule> = {}): HbaRule => ({
  type,
  databases,
  users,
  ...(address === undefined ? {} : { address }),
  method,
  options: [],
  ...extra,
});

test('tabs and trailing blanks', parsesTo, 'local\tall\tpostgres\t\tpeer \t', r('local', ['all'], ['postgres'], undefined, 'peer'));
test('quoted names keep commas, # and doubled quotes', parsesTo, 'host "my db","a,b","x#y" "r ""q""" 10.0.0.0/8 md5', r('host', ['my db', 'a,b', 'x#y'], ['r "q"'], '10.0.0.0/8', 'md5', { quoted: { databases: [true, true, true], users: [true] } }));
test('quoted keywords are names', parsesTo, 'host "all" "all" "all" md5', r('host', ['all'], ['all'], 'all', 'md5', { quoted: { databases: [true], users: [true], address: true } }));
test('a quote after the first character does not make a name', parsesTo, 'host al"l" all all md5', r('host', ['all'], ['all'], 'all', 'md5'));
test('+group, /regex and @file lists', parsesTo, 'host @dbs,/^db$ +admins,/^.*helpdesk$,@"my users" all scram-sha-256', r('host', ['@dbs', '/^db$'], ['+admins', '/^.*helpdesk$', '@my users'], 'all', 'scram-sha-256'));
test('"@x" and "+x" quoted are names', parsesTo, 'host "@x" "+x" all md5', r('host', ['@x'], ['+x'], 'all', 'md5', { quoted: { databases: [true], users: [true] } }));
test('a blank after a comma stays in the list', parsesTo, 'host a,,b, c all all md5', r('host', ['a', 'b', 'c'], ['all'], 'all', 'md5'));
test('a blank before a comma ends the field', parsesTo, 'host a ,b all md5', r('host', ['a'], ['b'], 'all', 'md5'));
test('IPv4 address and netmask columns', parsesTo, 'host all all 192.168.0.0 255.255.0.0 md5', r('host', ['all'], ['all'], '192.168.0.0', 'md5', { mask: '255.255.0.0' }));
test('IPv6 address and netmask columns', parsesTo, 'host all all fe80:: ffff:ffff:ffff:ffff:: md5', r('host', ['all'], ['all'], 'fe80::', 'md5', { mask: 'ffff:ffff:ffff:ffff::' }));
test('IPv6 CIDR with zone', parsesTo, 'host all all fe80::1%eth0/64 md5', r('host', ['all'], ['all'], 'fe80::1%eth0/64', 'md5'));
test('legacy IPv4 forms are addresses (inet_aton)', parsesTo, 'host all all 127.1/32 md5', r('host', ['all'], ['all'], '127.1/32', 'md5'));
test('host names and .domain suffixes', parsesTo, 'hostssl all all .example.com cert map=certmap', r('hostssl', ['all'], ['all'], '.example.com', 'cert', { options: [['map', 'certmap']] }));
test('options with = and quoted values', parsesTo, 'host all all all ldap ldapurl="ldap://h/dc=x,dc=y?uid?sub" ldaptls=1', r('host', ['all'], ['all'], 'all', 'ldap', { options: [['ldapurl', 'ldap://h/dc=x,dc=y?uid?sub'], ['ldaptls', '1']] }));
test('options separated by commas are separate options', parsesTo, 'hostssl all all all scram-sha-256 clientcert=verify-full,clientname=DN', r('hostssl', ['all'], ['all'], 'all', 'scram-sha-256', { options: [['clientcert', 'verify-full'], ['clientname', 'DN']] }));
test('continuation joins fields', parsesTo, 'host all all \\\n  10.0.0.0/8 \\\r\n  md5', r('host', ['all'], ['all'], '10.0.0.0/8', 'md5'));
test('continuation inside a token', parsesTo, 'host all all 10.0.0.0/8 md\\\n5', r('host', ['all'], ['all'], '10.0.0.0/8', 'md5'));
test('continuation inside quotes', parsesTo, 'host "a \\\nb" all all md5', r('host', ['a b'], ['all'], 'all', 'md5', { quoted: { databases: [true] } }));
test('a quoted connection type still counts', parsesTo, '"local" all all peer', r('local', ['all'], ['all'], undefined, 'peer'));
test('ident on local is allowed (it means peer)', parsesTo, 'local all all ident map=m', r('local', ['all'], ['all'], undefined, 'ident', { options: [['map', 'm']] }));

test('views carry line number, raw text, span and comment', (t) => {
  const doc = parseHba('# head\r\nhost all all \\\r\n 10.0.0.0/8 md5   # tail  \r\nlocal all all peer');
  const [head, rec, last] = doc.lines;
  t.is(doc.eol, '\r\n');
  t.like(head, { kind: 'comment', lineNumber: 1, raw: '# head', eol: '\r\n', comment: '# head' });
  t.like(rec, { kind: 'record', lineNumber: 2, span: 2, raw: 'host all all \\\r\n 10.0.0.0/8 md5   # tail  ', eol: '\r\n', comment: '# tail  ', text: 'host all all  10.0.0.0/8 md5   # tail  ' });
  t.like(last, { kind: 'record', lineNumber: 4, eol: '' });
});

test('a comment ending in a backslash swallows the next line', (t) => {
  const doc = parseHba('# note \\\nhost all all all trust\nlocal all all peer\n');
  t.deepEqual(
    doc.lines.map((l) => [l.kind, l.lineNumber, l.span]),
    [
      ['comment', 1, 2],
      ['record', 3, 1],
    ],
  );
});

test('include directives', (t) => {
  const kinds = parseHba('include a.conf\ninclude_if_exists "b c.conf"\ninclude_dir d\ninclude a b\n').lines.map((l) => (l.kind === 'include' ? [l.directive, l.path] : [l.kind]));
  t.deepEqual(kinds, [['include', 'a.conf'], ['include_if_exists', 'b c.conf'], ['include_dir', 'd'], ['invalid']]);
});

const rejects = test.macro({
  exec(t, text: string, error: string) {
    const line = only(text);
    t.is(line.kind, 'invalid');
    if (line.kind === 'invalid') t.is(line.error, error);
  },
  title: (given, text: string) => given ?? `rejects ${JSON.stringify(text)}`,
});

// Messages as PostgreSQL 15 writes them in pg_hba_file_rules.error (see hba-cluster.test.ts).
test(rejects, 'this is not a record', 'invalid connection type "this"');
test(rejects, 'local,host all all peer', 'multiple values specified for connection type');
test(rejects, 'host', 'end-of-line before database specification');
test(rejects, 'host all', 'end-of-line before role specification');
test(rejects, 'host all all', 'end-of-line before IP address specification');
test(rejects, 'host all all a,b md5', 'multiple values specified for host address');
test(rejects, 'host all all 10.0.0.0/33 md5', 'invalid CIDR mask in address "10.0.0.0/33"');
test(rejects, 'host all all db.example.com/24 md5', 'specifying both host name and CIDR mask is invalid: "db.example.com/24"');
test(rejects, 'host all all 10.0.0.0 md5', 'invalid IP mask "md5"');
test(rejects, 'host all all 10.0.0.0', 'end-of-line before netmask specification');
test(rejects, 'host all all 1.2.3.4 ffff:: md5', 'IP address and mask do not match');
test(rejects, 'host all all all', 'end-of-line before authentication method');
test(rejects, 'host all all all md5,trust', 'multiple values specified for authentication type');
test(rejects, 'host all all all md6', 'invalid authentication method "md6"');
test(rejects, 'host all all all peer', 'peer authentication is only supported on local sockets');
test(rejects, 'local all all gss', 'gssapi authentication is not supported on local sockets');
test(rejects, 'host all all all cert', 'cert authentication is only supported on hostssl connections');
test(rejects, 'host all all all md5 clientcert=verify-full', 'clientcert can only be configured for "hostssl" rows');
test(rejects, 'hostssl all all all md5 clientcert=1', 'invalid value for clientcert: "1"');
test(rejects, 'hostssl all all all cert clientcert=verify-ca', 'clientcert can only be set to "verify-full" when using "cert" authentication');
test(rejects, 'hostssl all all all md5 clientname=UID', 'invalid value for clientname: "UID"');
test(rejects, 'local all all peer map=a,"b c"', 'authentication option not in name=value format: b c');
test(rejects, 'local all all peer bogus=1', 'unrecognized authentication option name: "bogus"');
test(rejects, 'host all all all md5 map=x', 'authentication option "map" is only valid for authentication methods ident, peer, gssapi, sspi, and cert');
test(rejects, 'host all all all ldap ldapport=x', 'invalid LDAP port number: "x"');
test(rejects, 'host all all all radius radiusservers=a', 'authentication method "radius" requires argument "radiussecrets" to be set');
test(rejects, 'host "unterminated all all', 'end-of-line before role specification');

test('tokenizeHbaLine gives fields of tokens with offsets', (t) => {
  const { fields, commentStart } = tokenizeHbaLine('host "a b",c  +g # note');
  t.deepEqual(
    fields.map((f) => f.map((tok) => [tok.value, tok.quoted, tok.start, tok.end])),
    [[['host', false, 0, 4]], [['a b', true, 5, 10], ['c', false, 11, 12]], [['+g', false, 14, 16]]],
  );
  t.is(commentStart, 17);
});
