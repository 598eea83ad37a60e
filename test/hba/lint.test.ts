import test from 'ava';
import { versionTraits } from '../../src/plan/versions.js';
import { HBA_LINT_CODES, lintHba, parseHba, type HbaLintCode, type LintHbaOptions } from '../../src/hba/index.js';

const v13 = { dialect: versionTraits(13).hba };
const v15 = { dialect: versionTraits(15).hba };
const v16 = { dialect: versionTraits(16).hba };

/** [line, code] pairs lintHba reports for a text. */
const codes = (text: string, opts?: LintHbaOptions): [number, HbaLintCode][] => lintHba(parseHba(text), opts).map((f) => [f.line, f.code]);

const reports = test.macro({
  exec(t, text: string, expected: [number, HbaLintCode][], opts?: LintHbaOptions) {
    t.deepEqual(codes(text, opts), expected);
  },
  title: (given = '', text: string) => `${given}: ${JSON.stringify(text)}`,
});

const clean = 'local all all peer\nhostnossl all all all reject\nhostssl all all all scram-sha-256 clientcert=verify-full\nhostnossl replication all all reject\nhostssl replication all 10.0.0.0/8 cert\n';
test('a TLS-only, SCRAM-only file', reports, clean, []);

// Lines the server rejects.
test('parse-error', reports, 'host all all 10.0.0.0/33 md5\nnonsense\n', [
  [1, 'parse-error'],
  [2, 'parse-error'],
]);
test('clientcert-legacy', reports, 'hostssl all all all scram-sha-256 clientcert=1\nhostssl all all all scram-sha-256 clientcert=0\nhostssl all all all md5 clientcert=no-verify\n', [
  [1, 'clientcert-legacy'],
  [2, 'clientcert-legacy'],
  [3, 'clientcert-legacy'],
]);
test('cert-verify-ca', reports, 'hostssl all all all cert clientcert=verify-ca\n', [[1, 'cert-verify-ca']]);

// Methods.
test('trust-network and trust-local', reports, 'hostssl all all 10.0.0.0/8 trust\nlocal all all trust\n', [
  [1, 'trust-network'],
  [2, 'trust-local'],
]);
test('password-network', reports, 'hostssl all all 10.0.0.0/8 password\nlocal all all password\n', [[1, 'password-network']]);
test('md5-network and md5-local', reports, 'local all all md5\nhostssl all all ::1/128 md5\n', [
  [1, 'md5-local'],
  [2, 'md5-network'],
]);
test('plaintext-allowed on host, hostnossl and hostnogssenc', reports, 'host all all 10.1.0.0/16 scram-sha-256\nhostnossl db all 10.2.0.0/16 scram-sha-256\nhostnogssenc all u 10.3.0.0/16 scram-sha-256\nhostgssenc all all all gss\n', [
  [1, 'plaintext-allowed'],
  [2, 'plaintext-allowed'],
  [3, 'plaintext-allowed'],
]);
test('no plaintext-allowed under a hostnossl reject that covers it', reports, 'hostnossl all all all reject\nhost all all 10.0.0.0/8 scram-sha-256\nhost all all all reject\n', []);
test('plaintext-allowed: a hostnossl reject for all databases leaves replication open', reports, 'hostnossl all all all reject\nhost replication all 10.0.0.0/8 scram-sha-256\n', [[2, 'plaintext-allowed']]);

// Shadowing.
test('shadowed: identical records', reports, 'local all all peer\nlocal all all peer\n', [[2, 'shadowed']]);
test('shadowed: all covers names and groups', reports, 'local all all peer\nlocal db1,db2 +grp,bob md5\n', [
  [2, 'md5-local'],
  [2, 'shadowed'],
]);
test('shadowed: host covers hostssl and hostnossl', reports, 'host all all all reject\nhostssl all all 10.0.0.0/8 cert\nhostnossl all all all reject\n', [
  [2, 'shadowed'],
  [3, 'shadowed'],
]);
test('shadowed: CIDR containment, IPv4 and IPv6, and netmask columns', reports, 'hostssl all all 10.0.0.0/8 cert\nhostssl all all 10.1.2.0/24 cert\nhostssl all all 10.1.2.3 255.255.255.255 cert\nhostssl all all 2001:db8::/32 cert\nhostssl all all 2001:db8:1::/48 cert\nhostssl all all 11.0.0.0/8 cert\n', [
  [2, 'shadowed'],
  [3, 'shadowed'],
  [5, 'shadowed'],
]);
test('shadowed: a .domain covers its host names', reports, 'hostssl all all .example.com cert\nhostssl all all db.Example.COM cert\nhostssl all all example.com cert\n', [[2, 'shadowed']]);
test('shadowed: hostssl and hostnossl together cover host', reports, 'hostnossl all all all reject\nhostssl all all all cert\nhost all all 10.0.0.0/8 scram-sha-256\n', [[3, 'shadowed']]);
test('not shadowed: all does not cover replication', reports, 'local all all peer\nlocal replication all peer\n', []);
test('not shadowed: hostssl does not cover host', reports, 'hostssl all all all cert\nhostnossl all all all reject\nhostnossl all all all reject\nhost replication all all reject\n', [[3, 'shadowed']]);
test('not shadowed: a quoted "all" is a name', reports, 'local "all" "all" peer\nlocal all bob peer\n', []);
test('not shadowed: IPv4 does not cover IPv6 or host names', reports, 'hostssl all all 0.0.0.0/0 cert\nhostssl all all ::1/128 cert\nhostssl all all db.example.com cert\n', []);
test('not shadowed: a group does not cover a role, a regex does not cover a name', reports, 'local all +admins peer\nlocal all bob peer\nlocal /^d all peer\nlocal db all peer\n', []);
test('not shadowed: an @file database list might name replication', reports, 'local all all peer\nlocal @dbs all peer\n', []);
test('shadowed: samehost only by samehost or all', reports, 'hostssl all all samehost cert\nhostssl all all samehost cert\nhostssl all all 127.0.0.1/32 cert\n', [[2, 'shadowed']]);
test('shadowed: non-contiguous netmasks', reports, 'hostssl all all 10.0.0.0 255.0.255.0 cert\nhostssl all all 10.1.0.2/32 cert\nhostssl all all 10.0.1.0/24 cert\n', [[2, 'shadowed']]);
test('shadowed: the earliest covering line is named', reports, 'local all all peer\nlocal all bob peer\nlocal all bob peer\n', [
  [2, 'shadowed'],
  [3, 'shadowed'],
]);

// File structure.
test('comment-continues', reports, '# note \\\nhost all all all trust\nlocal all all peer\n', [[1, 'comment-continues']]);
test('a continued record is not a swallowing comment', reports, 'local all all \\\n peer # ok\n', []);
test('include-unchecked', reports, 'include_if_exists extra.conf\n', [[1, 'include-unchecked']]);
test('marker-unbalanced', reports, 'local all all peer\n# END pg-secure-setup\n', [[2, 'marker-unbalanced']]);

// Server version.
test('needs-newer-server: include needs 16', reports, 'include extra.conf\n', [
  [1, 'needs-newer-server'],
  [1, 'include-unchecked'],
], v15);
test('needs-newer-server: regex names need 16', reports, 'local /^db all peer\n', [[1, 'needs-newer-server']], v15);
test('needs-newer-server: continuations need 14', reports, 'local all all \\\n peer\n', [[1, 'needs-newer-server']], v13);
test('no version findings for a new enough server', reports, 'include extra.conf\nlocal /^db all \\\n peer\n', [[1, 'include-unchecked']], v16);

/** [line, code] pairs for a text parsed and linted as one version's server reads it. */
const asServer = (text: string, opts: { dialect: LintHbaOptions['dialect'] & object }): [number, HbaLintCode][] => lintHba(parseHba(text, opts.dialect), opts).map((f) => [f.line, f.code]);

test('read as PostgreSQL 13 reads it: clientcert=1 and cert with verify-ca are records', (t) => {
  t.deepEqual(asServer('hostssl db2 all all scram-sha-256 clientcert=1\nhostssl db u all cert clientcert=verify-ca\n', v13), []);
  t.deepEqual(asServer('hostssl db2 all all scram-sha-256 clientcert=1\nhostssl db u all cert clientcert=verify-ca\n', v15), [
    [1, 'clientcert-legacy'],
    [2, 'cert-verify-ca'],
  ]);
});

test('read as PostgreSQL 13 reads it: a continuation is a stray backslash and the next line stands alone', (t) => {
  const doc = parseHba('local all all \\\npeer\n', v13.dialect);
  t.is(doc.lines.length, 2);
  t.like(doc.lines[0], { kind: 'invalid', errorCode: 'needs-newer-server', lineNumber: 1 });
  t.regex((doc.lines[0] as { error: string }).error, /invalid authentication method "\\".*need PostgreSQL 14/);
  t.like(doc.lines[1], { kind: 'invalid', lineNumber: 2 });
  t.deepEqual(asServer('local all all \\\npeer\n', v13), [
    [1, 'needs-newer-server'],
    [2, 'parse-error'],
  ]);
});

test('read as PostgreSQL 15 reads it: include is an unknown connection type', (t) => {
  const [line] = parseHba('include_dir conf.d\n', v15.dialect).lines;
  t.like(line, { kind: 'invalid', errorCode: 'needs-newer-server' });
  t.regex((line as { error: string }).error, /invalid connection type "include_dir" \(include_dir lines need PostgreSQL 16/);
});

test('clientname= arrives in 14', (t) => {
  const text = 'hostssl all all all cert clientname=DN\n';
  t.like(parseHba(text, v13.dialect).lines[0], { kind: 'invalid', error: 'unrecognized authentication option name: "clientname"' });
  t.like(parseHba(text, v15.dialect).lines[0], { kind: 'record' });
});

test('every lint code is exercised above', (t) => {
  const seen = new Set<string>();
  const texts = [
    'host all all 10.0.0.0/33 md5',
    'hostssl all all all md5 clientcert=1',
    'hostssl all all all cert clientcert=verify-ca',
    'local all all peer\nlocal all all peer',
    'host all all all trust',
    'local all all trust',
    'host all all all password',
    'host all all all md5\nlocal all all md5',
    '# x \\\nlocal all all peer',
    'include x',
    '# BEGIN pg-secure-setup',
  ];
  for (const text of texts) for (const [, code] of codes(text, v15)) seen.add(code);
  t.deepEqual([...seen].sort(), [...HBA_LINT_CODES].sort());
});

test('findings carry a severity, a message and a fix where there is one', (t) => {
  const [finding] = lintHba(parseHba('hostssl all all all md5\n'));
  t.like(finding, { severity: 'warning', line: 1, code: 'md5-network' });
  t.regex(finding!.fix ?? '', /scram-sha-256/);
  t.is(lintHba(parseHba('host all all all trust\n'))[0]!.severity, 'error');
});

test('lint stays fast on a large file of distinct records', (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 20000; i++) lines.push(`hostssl db${i % 500} user${i} 10.${(i >> 8) & 255}.${i & 255}.0/24 scram-sha-256`);
  const start = performance.now();
  const findings = lintHba(parseHba(lines.join('\n')));
  t.is(findings.length, 0);
  t.log(`20,000 records linted in ${Math.round(performance.now() - start)} ms`);
});
