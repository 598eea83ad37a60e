/** The pure planning of an apply: which file gets what bytes, mode and owner. */
import test from 'ava';
import { bundleRules, lineBefore, planHba } from '../../src/apply/hba.js';
import { applyTargets, changedFiles, planApply, settingsTarget, type BundleContents, type FileState, type PlannedFile, type ServerLayout } from '../../src/apply/plan.js';
import { versionTraits } from '../../src/plan/versions.js';

const POSTGRES = { name: 'postgres', uid: 105, gid: 111 };

/** The records of initdb's pg_hba.conf for PostgreSQL 15 with --auth-local=peer --auth-host=scram-sha-256. */
const INITDB_HBA = `# TYPE  DATABASE        USER            ADDRESS                 METHOD

# "local" is for Unix domain socket connections only
local   all             all                                     peer
# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
# IPv6 local connections:
host    all             all             ::1/128                 scram-sha-256
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     peer
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
`;

/** conf/pg_hba.conf as generate writes it. */
const BUNDLE_HBA = `# pg_hba.conf for PostgreSQL 15, made by pg-secure-setup 0.1.0.
# The first record that matches a connection decides it: keep this order.
#
# TYPE  DATABASE        USER            ADDRESS                 METHOD

# Local administration over the Unix socket: the OS user must match the role (peer), so the administrator keeps a way in.
local   all             all                                     peer

# Refuse every TCP connection that is not encrypted, whatever rules follow.
hostnossl all            all            all                    reject

# Clients from 10.0.0.0/8: TLS, a client certificate whose CN is the role, and a SCRAM password.
hostssl all             all             10.0.0.0/8              scram-sha-256 clientcert=verify-full
`;

const SETTINGS = `ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'root.crt'
ssl_crl_file = 'root.crl'
password_encryption = 'scram-sha-256'
`;

const bytes = (s: string) => Buffer.from(s);
const text = (f: PlannedFile | undefined) => Buffer.from(f!.after.bytes).toString('utf8');

function bundle(over: Partial<BundleContents> = {}): BundleContents {
  return {
    dir: '/b',
    pgVersion: 15,
    hba: BUNDLE_HBA,
    settings: SETTINGS,
    server: { 'server.crt': bytes('CERT'), 'server.key': bytes('KEY'), 'root.crt': bytes('CA'), 'root.crl': bytes('CRL') },
    ...over,
  };
}

const initdb: ServerLayout = { dataDir: '/data', configFile: '/data/postgresql.conf', hbaFile: '/data/pg_hba.conf', osUser: POSTGRES, version: 15 };
const debian: ServerLayout = { dataDir: '/var/lib/postgresql/15/main', configFile: '/etc/postgresql/15/main/postgresql.conf', hbaFile: '/etc/postgresql/15/main/pg_hba.conf', osUser: POSTGRES, version: 15 };

const state = (s: string, mode = 0o600, uid = POSTGRES.uid, gid = POSTGRES.gid): FileState => ({ bytes: bytes(s), mode, uid, gid });

function plan(layout: ServerLayout, files: Record<string, FileState>, opts: { keyOwner?: 'server' | 'root'; md5ToScram?: boolean; b?: BundleContents; dirs?: string[] } = {}) {
  const main = files[layout.configFile];
  const target = settingsTarget(layout, main ? Buffer.from(main.bytes).toString() : '', (p) => (opts.dirs ?? []).includes(p));
  return planApply({
    bundle: opts.b ?? bundle(),
    layout,
    settingsTarget: target,
    current: new Map(Object.entries(files)),
    options: { keyOwner: opts.keyOwner ?? 'server', md5ToScram: opts.md5ToScram ?? false },
  });
}

const initdbFiles = () => ({ '/data/postgresql.conf': state('port = 5432\n'), '/data/pg_hba.conf': state(INITDB_HBA) });

test('bundle rules: records in order with the comment above each; the column header is not a comment', (t) => {
  const r = bundleRules(BUNDLE_HBA, 'b/conf/pg_hba.conf');
  t.deepEqual(r.problems, []);
  t.deepEqual(r.rules.map((x) => x.type), ['local', 'hostnossl', 'hostssl']);
  t.deepEqual(r.comments, [
    'Local administration over the Unix socket: the OS user must match the role (peer), so the administrator keeps a way in.',
    'Refuse every TCP connection that is not encrypted, whatever rules follow.',
    'Clients from 10.0.0.0/8: TLS, a client certificate whose CN is the role, and a SCRAM password.',
  ]);
  t.deepEqual(bundleRules('# TYPE DATABASE USER ADDRESS METHOD\nlocal all all peer\n', 'f').comments, [undefined]);
});

const badBundle = test.macro({
  exec(t, hba: string, line: number, message: RegExp) {
    const r = bundleRules(hba, 'b/conf/pg_hba.conf');
    t.is(r.problems.length, 1);
    t.is(r.problems[0]!.line, line);
    t.regex(r.problems[0]!.message, message);
  },
  title: (given, hba: string) => given ?? `a bundle rule the server would refuse: ${JSON.stringify(hba.trim().split('\n').at(-1))}`,
});
test(badBundle, 'local all all peer\nhostssl all all all scram-sha-256 clientcert=bogus\n', 2, /invalid value for clientcert: "bogus"/);
test(badBundle, 'hostssl all all 10.0.0.0/33 scram-sha-256\n', 1, /invalid CIDR mask/);
test(badBundle, 'hostssl all all all cert clientcert=verify-ca\n', 1, /verify-full/);
test(badBundle, 'hostssl all all all scram-sha-257\n', 1, /invalid authentication method/);
test(badBundle, 'include other.conf\n', 1, /cannot be carried/);
test('an empty bundle pg_hba.conf is refused', badBundle, '# nothing\n', 1, /no rules/);

test('rules go after the local records and before the first host record; the bundle local rule is left out', (t) => {
  const h = planHba(INITDB_HBA, bundleRules(BUNDLE_HBA, 'b'), '/data/pg_hba.conf', { osUser: 'postgres', md5ToScram: false, dialect: versionTraits(15).hba });
  t.is(h.skippedLocal, 1);
  t.deepEqual(h.problems, []);
  const lines = h.text.split('\n');
  const begin = lines.indexOf('# BEGIN pg-secure-setup');
  t.is(lines[begin - 1], 'local   all             all                                     peer');
  t.regex(lines[begin + 2]!, /^hostnossl all +all +all +reject$/);
  t.regex(lines[begin + 4]!, /^hostssl +all +all +10\.0\.0\.0\/8 +scram-sha-256 clientcert=verify-full$/);
  t.is(lines[begin + 5], '# END pg-secure-setup');
  t.is(lines[begin + 6], '# IPv4 local connections:', 'the host rule keeps its comment');
  t.true(h.text.startsWith(INITDB_HBA.slice(0, INITDB_HBA.indexOf('# IPv4'))), 'lines before the block are untouched');
  t.true(h.text.endsWith(INITDB_HBA.slice(INITDB_HBA.indexOf('# IPv4'))), 'lines after the block are untouched');
  const again = planHba(h.text, bundleRules(BUNDLE_HBA, 'b'), '/data/pg_hba.conf', { osUser: 'postgres', md5ToScram: false, dialect: versionTraits(15).hba });
  t.is(again.text, h.text, 'planning on the result changes nothing');
});

test('a server file without local records gets the bundle local rule; the OS user keeps peer access', (t) => {
  const h = planHba('host all all 0.0.0.0/0 md5\n', bundleRules(BUNDLE_HBA, 'b'), '/x', { osUser: 'postgres', md5ToScram: false, dialect: versionTraits(15).hba });
  t.is(h.skippedLocal, 0);
  t.regex(h.text, /^# BEGIN pg-secure-setup\n[^]*local +all +all +peer\n[^]*# END pg-secure-setup\nhost all all 0\.0\.0\.0\/0 md5\n$/);
});

test('an administrator locked out by the old local rules gets `local all postgres peer` first', (t) => {
  const h = planHba('local all all md5\nhost all all 127.0.0.1/32 md5\n', bundleRules(BUNDLE_HBA, 'b'), '/x', { osUser: 'postgres', md5ToScram: false, dialect: versionTraits(15).hba });
  t.regex(h.text.split('\n').find((l) => l.startsWith('local'))!, /^local +all +"?postgres"? +peer$/);
});

test('--md5-to-scram rewrites md5 records of the server file and nothing else', (t) => {
  const h = planHba('local all all peer\nhost all all 127.0.0.1/32 md5\n', bundleRules(BUNDLE_HBA, 'b'), '/x', { osUser: 'postgres', md5ToScram: true, dialect: versionTraits(15).hba });
  t.regex(h.text, /\nhost all all 127\.0\.0\.1\/32 scram-sha-256\n$/);
  const off = planHba('local all all peer\nhost all all 127.0.0.1/32 md5\n', bundleRules(BUNDLE_HBA, 'b'), '/x', { osUser: 'postgres', md5ToScram: false, dialect: versionTraits(15).hba });
  t.regex(off.text, /\nhost all all 127\.0\.0\.1\/32 md5\n$/);
  t.true(off.findings.some((f) => f.code === 'md5-network'));
});

test('initdb layout: server files in the data directory, settings beside postgresql.conf with one include line', (t) => {
  const p = plan(initdb, initdbFiles());
  t.deepEqual(p.problems, []);
  const by = new Map(p.files.map((f) => [f.role, f]));
  t.deepEqual([...by.keys()], ['server.crt', 'server.key', 'root.crt', 'root.crl', 'settings', 'main-conf', 'hba']);
  t.like(by.get('server.key'), { path: '/data/server.key', secret: true, after: { mode: 0o600, uid: 105, gid: 111 } });
  t.like(by.get('server.crt'), { path: '/data/server.crt', secret: false, after: { mode: 0o644, uid: 105 } });
  t.like(by.get('settings'), { path: '/data/pg-secure-setup.conf', changes: ['create'], after: { mode: 0o644 } });
  t.is(text(by.get('main-conf')), "port = 5432\n\n# Added by pg-secure-setup: TLS and SCRAM settings\ninclude 'pg-secure-setup.conf'\n");
  t.like(by.get('hba'), { changes: ['content'], after: { mode: 0o600 } });
  t.deepEqual(p.settings.map((s) => s.name), ['ssl', 'ssl_cert_file', 'ssl_key_file', 'ssl_ca_file', 'ssl_crl_file', 'password_encryption']);
});

test('a second plan over the files the first one wrote changes nothing', (t) => {
  const first = plan(initdb, initdbFiles());
  const after = Object.fromEntries(first.files.map((f) => [f.path, f.after]));
  const second = plan(initdb, after);
  t.deepEqual(changedFiles(second), []);
});

test('Debian layout: settings go into the last include_dir that exists; postgresql.conf is left alone', (t) => {
  const conf = "data_directory = '/var/lib/postgresql/15/main'\ninclude_dir = 'conf.d'\ninclude_dir = 'missing.d'\n";
  const files = { [debian.configFile]: state(conf, 0o644), [debian.hbaFile]: state(INITDB_HBA, 0o640) };
  const p = plan(debian, files, { dirs: ['/etc/postgresql/15/main/conf.d'] });
  const roles = p.files.map((f) => f.role);
  t.false(roles.includes('main-conf'));
  t.is(p.files.find((f) => f.role === 'settings')!.path, '/etc/postgresql/15/main/conf.d/pg-secure-setup.conf');
  t.is(p.files.find((f) => f.role === 'server.key')!.path, '/var/lib/postgresql/15/main/server.key');
  t.like(p.files.find((f) => f.role === 'hba'), { path: debian.hbaFile, after: { mode: 0o640 } });
});

test('--key-owner root: key 0640 owned by root with the server user group (18.9.1)', (t) => {
  const key = plan(initdb, initdbFiles(), { keyOwner: 'root' }).files.find((f) => f.role === 'server.key')!;
  t.like(key.after, { mode: 0o640, uid: 0, gid: 111 });
});

test('file settings decide where server files go: absolute paths as given, unset ones not installed', (t) => {
  const b = bundle({ settings: "ssl = on\nssl_cert_file = '/etc/ssl/pg/server.crt'\nssl_key_file = 'tls/server.key'\n" });
  const p = plan(initdb, initdbFiles(), { b });
  t.deepEqual(
    p.files.filter((f) => f.role.includes('.')).map((f) => f.path),
    ['/etc/ssl/pg/server.crt', '/data/tls/server.key'],
  );
  t.true(p.warnings.some((w) => /root\.crt is not installed/.test(w)));
  t.deepEqual(applyTargets(b, initdb, '/data/pg-secure-setup.conf').map((x) => x.path), ['/data/postgresql.conf', '/data/pg-secure-setup.conf', '/data/pg_hba.conf', '/etc/ssl/pg/server.crt', '/data/tls/server.key']);
});

test('a mode or owner change alone is a change', (t) => {
  const first = plan(initdb, initdbFiles());
  const after = Object.fromEntries(first.files.map((f) => [f.path, f.after]));
  after['/data/server.key'] = { ...after['/data/server.key']!, mode: 0o644 };
  after['/data/server.crt'] = { ...after['/data/server.crt']!, uid: 0 };
  const changed = changedFiles(plan(initdb, after));
  t.deepEqual(changed.map((f) => [f.role, f.changes]), [['server.crt', ['owner']], ['server.key', ['mode']]]);
});

test('problems stop the plan: a setting naming a file the bundle lacks, a broken rule, no pg_hba.conf', (t) => {
  const noCrl = bundle({ server: { 'server.crt': bytes('C'), 'server.key': bytes('K'), 'root.crt': bytes('A') } });
  t.regex(plan(initdb, initdbFiles(), { b: noCrl }).problems[0]!.message, /ssl_crl_file is set but the bundle has no server\/root\.crl/);
  const broken = bundle({ hba: 'hostssl all all all scram-sha-256 clientcert=bogus\n' });
  t.like(plan(initdb, initdbFiles(), { b: broken }).problems[0], { file: '/b/conf/pg_hba.conf', line: 1 });
  t.regex(plan(initdb, { '/data/postgresql.conf': state('') }).problems[0]!.message, /pg_hba\.conf not found/);
});

test('a bad line of the current file is named by its line there, not by where it lands after the insert', (t) => {
  const lines = INITDB_HBA.split('\n');
  const at = lines.findIndex((l) => l.startsWith('# IPv4')) + 1;
  lines.splice(at, 0, 'host all all 10.0.0.0/33 scram-sha-256');
  const h = planHba(lines.join('\n'), bundleRules(BUNDLE_HBA, 'b'), '/data/pg_hba.conf', { osUser: 'postgres', md5ToScram: false, dialect: versionTraits(15).hba });
  t.deepEqual(h.problems.map((p) => p.line), [at + 1]);
  t.regex(h.problems[0]!.message, /invalid CIDR mask/);
  t.true(h.text.split('\n').indexOf('host all all 10.0.0.0/33 scram-sha-256') > at, 'the insert moved it down');
});

test('clientcert=1 in the current file blocks an apply to 14+, not to 12 or 13', (t) => {
  const current = `${INITDB_HBA}hostssl all all 10.1.0.0/16 scram-sha-256 clientcert=1\n`;
  const on = (v: 12 | 13 | 14 | 18) => planHba(current, bundleRules(BUNDLE_HBA, 'b', versionTraits(v).hba), '/x', { osUser: 'postgres', md5ToScram: false, dialect: versionTraits(v).hba }).problems;
  t.deepEqual(on(12), []);
  t.deepEqual(on(13), []);
  t.regex(on(14)[0]?.message ?? '', /invalid value for clientcert: "1"/);
  t.is(on(18)[0]?.line, INITDB_HBA.split('\n').length);
});

test('lineBefore maps a line of the new file back to the old one, when its text is unique there', (t) => {
  const before = 'local all all peer\n\nhost all all 10.0.0.0/33 md5\n';
  const after = 'local all all peer\n# BEGIN\nhostssl all all all cert\n# END\n\nhost all all 10.0.0.0/33 md5\n';
  t.is(lineBefore(before, after, 6), 3);
  t.is(lineBefore(before, after, 3), undefined, 'a line the edit adds');
  t.is(lineBefore(before, after, 5), undefined, 'a blank line is not unique');
});

test("initdb's trust rules are closed before the bundle's rules go in; --keep-trust leaves them and lists them", (t) => {
  const trusting = INITDB_HBA.replace(/peer$|scram-sha-256$/gm, 'trust');
  const h = planHba(trusting, bundleRules(BUNDLE_HBA, 'b'), '/x', { osUser: 'postgres', md5ToScram: false, dialect: versionTraits(15).hba });
  t.deepEqual(h.closed.map((c) => [c.line, c.to]), [[4, 'peer'], [6, 'scram-sha-256'], [8, 'scram-sha-256'], [11, 'peer'], [12, 'scram-sha-256'], [13, 'scram-sha-256']]);
  t.deepEqual(h.stillOpen, []);
  t.notRegex(h.text, /trust/);
  t.false(h.findings.some((f) => f.code === 'trust-local' || f.code === 'trust-network'));
  const kept = planHba(trusting, bundleRules(BUNDLE_HBA, 'b'), '/x', { osUser: 'postgres', md5ToScram: false, keepTrust: true, dialect: versionTraits(15).hba });
  t.deepEqual(kept.closed, []);
  t.deepEqual(kept.stillOpen.map((r) => r.text.replace(/\s+/g, ' ')), ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host all all ::1/128 trust', 'local replication all trust', 'host replication all 127.0.0.1/32 trust', 'host replication all ::1/128 trust']);
  t.true(kept.findings.some((f) => f.code === 'trust-local'));
});
