import test from 'ava';
import fc from 'fast-check';
import { formatRule, parseHba, type HbaRule } from '../../src/hba/index.js';

const base: HbaRule = { type: 'hostssl', databases: ['all'], users: ['all'], address: 'all', method: 'scram-sha-256', options: [] };

const formats = test.macro({
  exec(t, rule: Partial<HbaRule>, expected: string) {
    t.is(formatRule({ ...base, ...rule }).replace(/ +/g, ' '), expected);
  },
  title: (given, _rule, expected: string) => given ?? `formatRule -> ${expected}`,
});

test('keywords given as keywords stay bare', formats, { databases: ['all', 'replication', 'sameuser', 'samerole'], users: ['all'] }, 'hostssl all,replication,sameuser,samerole all all scram-sha-256');
test('names spelled like keywords are quoted', formats, { databases: ['all', 'replication'], users: ['all', 'samerole'], quoted: { databases: [true, true], users: [true, true] } }, 'hostssl "all","replication" "all","samerole" all scram-sha-256');
test('plain names marked as names stay bare', formats, { databases: ['app'], users: ['bob'], quoted: { databases: [true], users: [true] } }, 'hostssl app bob all scram-sha-256');
test('spaces, commas, quotes and # are quoted', formats, { databases: ['my db', 'a,b', 'x#y'], users: ['r "q"'] }, 'hostssl "my db","a,b","x#y" "r ""q""" all scram-sha-256');
test('a trailing backslash is quoted (it would continue the line)', formats, { databases: ['db\\'] }, 'hostssl "db\\" all all scram-sha-256');
test('+group and @file keep their prefix outside the quotes', formats, { databases: ['@my dbs'], users: ['+ops team', '+admins', '@users'] }, 'hostssl @"my dbs" +"ops team",+admins,@users all scram-sha-256');
test('+x and @x marked as names are quoted whole', formats, { databases: ['@x'], users: ['+x'], quoted: { databases: [true], users: [true] } }, 'hostssl "@x" "+x" all scram-sha-256');
test('a regex with separators is quoted (still a regex)', formats, { users: ['/^a,b$'] }, 'hostssl all "/^a,b$" all scram-sha-256');
test('an empty name is ""', formats, { databases: [''] }, 'hostssl "" all all scram-sha-256');
test('a host named all is quoted', formats, { address: 'all', quoted: { address: true } }, 'hostssl all all "all" scram-sha-256');
test('address and netmask columns', formats, { address: '10.0.0.0', mask: '255.0.0.0' }, 'hostssl all all 10.0.0.0 255.0.0.0 scram-sha-256');
test('IPv6 with a zone', formats, { address: 'fe80::1%eth0/64' }, 'hostssl all all fe80::1%eth0/64 scram-sha-256');
test('options; values with separators are quoted', formats, { method: 'ldap', options: [['ldapurl', 'ldap://h/dc=x,dc=y?uid'], ['ldaptls', '1']] }, 'hostssl all all all ldap ldapurl="ldap://h/dc=x,dc=y?uid" ldaptls=1');
test('local records have no address', formats, { type: 'local', address: undefined, method: 'peer' }, 'local all all peer');

test('line breaks and NUL cannot be written', (t) => {
  for (const rule of [{ users: ['a\nhost all all all trust'] }, { databases: ['a\r'] }, { options: [['map', 'x\ny']] as [string, string][] }, { address: 'a\0' }]) {
    t.throws(() => formatRule({ ...base, ...rule }), { message: /line break or NUL/ });
  }
  t.throws(() => formatRule({ ...base, options: [['bad name', 'x']] }), { message: /option name/ });
});

// What an entry means to the server: keyword, group, file, regex or plain name.
function meaning(rule: HbaRule, column: 'databases' | 'users'): string[] {
  return rule[column].map((v, i) => {
    const name = rule.quoted?.[column]?.[i] === true;
    const keywords = column === 'databases' ? ['all', 'sameuser', 'samerole', 'samegroup', 'replication'] : ['all'];
    if (!name && keywords.includes(v)) return `keyword ${v}`;
    if (!name && column === 'users' && v.startsWith('+')) return `group ${v.slice(1)}`;
    if (!name && v.startsWith('@') && v.length > 1) return `file ${v.slice(1)}`;
    if (v.startsWith('/')) return `regex ${v}`;
    return `name ${v}`;
  });
}

test('whatever the names, formatRule writes a record that reads back with the same meaning', (t) => {
  const word = fc.oneof(
    fc.constantFrom('all', 'replication', 'sameuser', 'samerole', 'samegroup', 'postgres', '+admins', '@list', '/^re$', '', '+', '@', 'x\\', 'a"b', 'a,b', 'a#b', 'a b', '\t'),
    fc.string({ unit: 'grapheme', maxLength: 8 }).filter((s) => !/[\r\n\0]/.test(s)),
  );
  const entries = fc.array(fc.tuple(word, fc.boolean()), { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(fc.constantFrom('local', 'host', 'hostssl', 'hostnossl'), entries, entries, (type, dbs, users) => {
      const rule: HbaRule = {
        type,
        databases: dbs.map(([v]) => v),
        users: users.map(([v]) => v),
        ...(type === 'local' ? {} : { address: '10.0.0.0/8' }),
        method: 'reject',
        options: [],
        quoted: { databases: dbs.map(([, q]) => q), users: users.map(([, q]) => q) },
      };
      const [line] = parseHba(formatRule(rule)).lines;
      if (line?.kind !== 'record') return false;
      return JSON.stringify([meaning(line.rule, 'databases'), meaning(line.rule, 'users')]) === JSON.stringify([meaning(rule, 'databases'), meaning(rule, 'users')]);
    }),
    { numRuns: 1000 },
  );
  t.pass();
});
