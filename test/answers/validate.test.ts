import test from 'ava';
import { checkAnswer } from '../../src/answers/questions.js';
import { checkDays, checkHost, checkNetwork, checkOut, checkRole, MAX_HOSTS, normalizeHost } from '../../src/answers/validate.js';

const accepts = test.macro({
  exec(t, check: (v: string) => string | undefined, value: string) {
    t.is(check(value), undefined);
  },
  title: (_given, check: (v: string) => string | undefined, value: string) => `${check.name} accepts ${JSON.stringify(value)}`,
});

const rejects = test.macro({
  exec(t, check: (v: string) => string | undefined, value: string, expected: RegExp) {
    t.regex(check(value) ?? 'accepted', expected);
  },
  title: (_given, check: (v: string) => string | undefined, value: string) => `${check.name} rejects ${JSON.stringify(value)}`,
});

for (const host of ['localhost', 'db.example.com', '*.db.example.com', 'a-b.c0', '127.0.0.1', '::1', '[2001:db8::1]', 'fe80::1', 'db.example.com.']) {
  test(accepts, checkHost, host);
}
test(rejects, checkHost, '', /empty/);
test(rejects, checkHost, '300.1.1.1', /not a valid IPv4/);
test(rejects, checkHost, 'db_1.example.com', /not a valid host name/);
test(rejects, checkHost, '-db.example.com', /not a valid host name/);
test(rejects, checkHost, '*.com', /wildcard needs at least two labels/);
test(rejects, checkHost, 'db.*.example.com', /leftmost/);
test(rejects, checkHost, 'x*.example.com', /leftmost/);
test(rejects, checkHost, '2001:db8::zz', /not a valid IPv6/);
test(rejects, checkHost, `${'a'.repeat(64)}.example.com`, /not a valid host name/);

test(rejects, checkHost, 'fe80::1%eth0', /IPv6 zone \(%eth0\)[^]*\(fe80::1\)/);
test(rejects, checkHost, '[10.0.0.1]', /only an IPv6 address goes in \[brackets\]/);
test(rejects, checkHost, '.', /not a valid host name/);

test('an --out path longer than PATH_MAX', (t) => {
  t.regex(checkOut('/tmp/' + 'a'.repeat(5000)) ?? 'accepted', /is 5005 bytes long; a path is at most 4095/);
  t.is(checkOut('/tmp/' + 'a'.repeat(200)), undefined);
});

test('normalizeHost gives each accepted spelling one form', (t) => {
  const cases: [string, string][] = [
    ['db.example.com.', 'db.example.com'],
    ['DB.Example.Com', 'db.example.com'],
    ['*.DB.example.com.', '*.db.example.com'],
    ['[::1]', '::1'],
    ['[2001:DB8:0:0:0:0:0:1]', '2001:db8::1'],
    ['0:0:0:0:0:ffff:7f00:1', '::ffff:127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
  ];
  for (const [typed, form] of cases) {
    t.is(checkHost(typed), undefined, typed);
    t.is(normalizeHost(typed), form, typed);
    t.is(normalizeHost(form), form, 'a normal form stays as it is');
  }
});

test('lists: duplicates by normal form and the bound, in linear time', (t) => {
  t.deepEqual(checkAnswer('hosts', ['db.example.com', 'DB.example.com.'], {}), ['"DB.example.com." is the same as "db.example.com", listed before']);
  t.deepEqual(checkAnswer('networks', ['all', 'all'], {}), ['"all" is listed twice']);
  const huge = Array.from({ length: 80_000 }, (_, i) => `h${i}.example.com`);
  t.deepEqual(checkAnswer('hosts', huge, {}), [`80000 entries; at most ${MAX_HOSTS} (each goes into the server certificate, which clients read at every connection)`]);
  // At the bound every entry is checked, and a late duplicate is still found.
  const full = Array.from({ length: MAX_HOSTS }, (_, i) => `h${i}.example.com`);
  t.deepEqual(checkAnswer('hosts', full, {}), []);
  t.deepEqual(checkAnswer('hosts', [...full.slice(0, -1), 'H0.example.com'], {}), ['"H0.example.com" is the same as "h0.example.com", listed before']);
});

for (const net of ['10.0.0.0/8', '127.0.0.1/32', '0.0.0.0/0', '::1/128', '2001:db8::/32', 'all', 'samenet', 'samehost']) {
  test(accepts, checkNetwork, net);
}
test(rejects, checkNetwork, '10.0.0.0/33', /IPv4 prefix length is 0-32/);
test(rejects, checkNetwork, '::/129', /IPv6 prefix length is 0-128/);
test(rejects, checkNetwork, '10.0.0.1', /needs a prefix length, e.g. 10.0.0.1\/32/);
test(rejects, checkNetwork, 'example.com/24', /not an IP address/);
test(rejects, checkNetwork, 'everywhere', /not a CIDR address/);
test(rejects, checkNetwork, 'fe80::%eth0/64', /IPv6 zone \(%eth0\) depends on the server's network interfaces; give the range alone \(fe80::\/64\)/);

for (const role of ['postgres', 'app_user', 'alice.smith', 'Bob', '_x', 'a-b']) test(accepts, checkRole, role);
test(rejects, checkRole, '', /empty/);
test(rejects, checkRole, 'pg_monitor', /reserved for PostgreSQL/);
test(rejects, checkRole, 'all', /reserved word/);
test(rejects, checkRole, 'public', /reserved word/);
test(rejects, checkRole, 'bad name', /not a usable role name/);
test(rejects, checkRole, '9lives', /not a usable role name/);
test(rejects, checkRole, 'x'.repeat(64), /longer than 63 bytes/);

test('checkDays accepts 1 to 3650 whole days only', (t) => {
  t.is(checkDays(1), undefined);
  t.is(checkDays(3650), undefined);
  t.regex(checkDays(0) ?? '', /1 to 3650/);
  t.regex(checkDays(3651) ?? '', /1 to 3650/);
  t.regex(checkDays(1.5) ?? '', /whole number/);
});
