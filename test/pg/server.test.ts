import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { classifyConnectError } from '../../src/pg/conn-errors.js';
import { lookupPassfile, mergeParams, paramsFromEnv, parseConnString, resolveTarget, type ConnParams } from '../../src/pg/conn-params.js';
import {
  connect,
  ConnectionError,
  md5Roles,
  probe,
  QueryError,
  quoteIdent,
  quoteLiteral,
  requireSuperuser,
  resolveConnection,
  serverFacts,
  targetLabel,
  type ConnectionErrorKind,
} from '../../src/pg/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const parses = test.macro((t: ExecutionContext, text: string, expected: ConnParams) => {
  t.deepEqual(parseConnString(text), expected);
});

test('keyword/value', parses, 'host=db.example.com port=5433 user=alice dbname=app', { host: 'db.example.com', port: 5433, user: 'alice', dbname: 'app' });
test('spaces around = and quoted values with escapes', parses, "host = db  password='it\\'s a \\\\ pw' user=a\\ b", { host: 'db', password: "it's a \\ pw", user: 'a b' });
test('empty quoted value', parses, "host=db options=''", { host: 'db', options: '' });
test('ssl keywords', parses, 'sslmode=verify-full sslrootcert=/r.crt sslcert=/c.crt sslkey=/c.key sslcrl=/x.crl', {
  sslmode: 'verify-full',
  sslrootcert: '/r.crt',
  sslcert: '/c.crt',
  sslkey: '/c.key',
  sslcrl: '/x.crl',
});
test('hostaddr with a host name', parses, 'host=wrong.test hostaddr=127.0.0.1', { host: 'wrong.test', hostaddr: '127.0.0.1' });
test('ignored libpq keywords', parses, 'host=db keepalives=1 gssencmode=disable', { host: 'db' });
test('URI', parses, 'postgresql://alice:s%40cret@db.example.com:5433/app?sslmode=verify-full&application_name=x', {
  user: 'alice',
  password: 's@cret',
  host: 'db.example.com',
  port: 5433,
  dbname: 'app',
  sslmode: 'verify-full',
  applicationName: 'x',
});
test('URI with IPv6 and no user', parses, 'postgres://[::1]:5432/postgres', { host: '::1', port: 5432, dbname: 'postgres' });
test('URI with a socket directory', parses, 'postgresql://%2Fvar%2Frun%2Fpostgresql/db', { host: '/var/run/postgresql', dbname: 'db' });
test('URI with host as a parameter', parses, 'postgresql:///db?host=/tmp&port=5444', { dbname: 'db', host: '/tmp', port: 5444 });
test('URI ssl=true', parses, 'postgresql://h/d?ssl=true', { host: 'h', dbname: 'd', sslmode: 'require' });
test('empty string', parses, '', {});

const rejects = test.macro((t: ExecutionContext, text: string, message: RegExp) => {
  const err = t.throws(() => parseConnString(text));
  t.regex(err!.message, message);
  t.true(err instanceof ConnectionError || err!.name === 'UsageError');
});

test('unknown keyword', rejects, 'host=db colour=blue', /connection option "colour" is not supported/);
test('bad sslmode', rejects, 'sslmode=sometimes', /invalid sslmode "sometimes"/);
test('bad port', rejects, 'port=99999', /invalid port "99999"/);
test('several hosts', rejects, 'host=a,b', /several hosts/);
test('hostaddr must be numeric', rejects, 'hostaddr=db.example.com', /not a numeric IP address/);
test('unterminated quote', rejects, "password='abc", /unterminated quoted string/);
test('missing =', rejects, 'host db', /neither a URI nor keyword=value/);
test('other URI scheme', rejects, 'mysql://h/d', /must start with postgresql:\/\//);

test('environment under --connect under overrides; empty variables are unset', (t) => {
  const env = paramsFromEnv({ PGHOST: 'envhost', PGPORT: '5444', PGUSER: '', PGSSLMODE: 'require', PGPASSWORD: 'envpw' });
  t.deepEqual(env, { host: 'envhost', port: 5444, sslmode: 'require', password: 'envpw' });
  t.deepEqual(mergeParams(env, parseConnString('host=cli'), { sslmode: 'verify-full' }), { host: 'cli', port: 5444, sslmode: 'verify-full', password: 'envpw' });
  t.throws(() => paramsFromEnv({ PGPORT: 'x' }), { message: /PGPORT: invalid port/ });
});

test('defaults: port 5432, OS user, dbname = user, prefer; the socket directory that has the socket', (t) => {
  const exists = (p: string) => p === '/tmp/.s.PGSQL.5432';
  const tgt = resolveTarget({}, { osUser: 'me', socketExists: exists });
  t.like(tgt, { kind: 'socket', host: '/tmp', port: 5432, user: 'me', dbname: 'me', sslmode: 'prefer' });
  t.is(resolveTarget({}, { osUser: 'me', socketExists: () => false }).host, '/var/run/postgresql');
  t.like(resolveTarget({ host: 'db', hostaddr: '10.0.0.1', user: 'u' }, { osUser: 'me', socketExists: exists }), { kind: 'tcp', host: 'db', address: '10.0.0.1', dbname: 'u' });
  t.like(resolveTarget({ hostaddr: '10.0.0.1' }, { osUser: 'me', socketExists: exists }), { kind: 'tcp', host: '10.0.0.1', address: '10.0.0.1' });
});

test('password file: first match, wildcards, escapes; default socket counts as localhost', (t) => {
  const text = ['# comment', 'db:5432:app:alice:first', 'db:*:*:alice:second', '*:*:*:bob:b\\:c\\\\d', 'localhost:5432:*:carol:sock'].join('\n');
  const tcp = { kind: 'tcp' as const, host: 'db', port: 5432, dbname: 'app', user: 'alice' };
  t.is(lookupPassfile(text, tcp), 'first');
  t.is(lookupPassfile(text, { ...tcp, dbname: 'other' }), 'second');
  t.is(lookupPassfile(text, { ...tcp, user: 'bob' }), 'b:c\\d');
  t.is(lookupPassfile(text, { kind: 'socket', host: '/var/run/postgresql', port: 5432, dbname: 'x', user: 'carol' }), 'sock');
  t.is(lookupPassfile(text, { kind: 'socket', host: '/elsewhere', port: 5432, dbname: 'x', user: 'carol' }), undefined);
});

test('error classification names the cause and the exit status', (t) => {
  const cases: [unknown, ConnectionErrorKind, 1 | 2][] = [
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'refused', 1],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo' }, 'host-unknown', 2],
    [{ code: '28P01', severity: 'FATAL', message: 'password authentication failed for user "x"' }, 'auth-failed', 2],
    [{ code: '28000', severity: 'FATAL', message: 'no pg_hba.conf entry for host "1.2.3.4", user "x", database "y", no encryption' }, 'ssl-required', 1],
    [{ code: '28000', severity: 'FATAL', message: 'pg_hba.conf rejects connection for host "1.2.3.4", user "x", database "y", SSL encryption' }, 'hba-rejected', 1],
    [{ code: '28000', severity: 'FATAL', message: 'connection requires a valid client certificate' }, 'client-cert-required', 1],
    [{ code: '3D000', severity: 'FATAL', message: 'database "nope" does not exist' }, 'no-database', 2],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }, 'cert-untrusted', 1],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, 'host-mismatch', 1],
    [new Error('The server does not support SSL connections'), 'ssl-off', 1],
  ];
  for (const [err, kind, status] of cases) {
    const e = classifyConnectError(err, 'db:5432 as x');
    t.is(e.kind, kind, e.message);
    t.is(e.status, status, kind);
  }
});

test('quoting', (t) => {
  t.is(quoteIdent('Alice "the" admin'), '"Alice ""the"" admin"');
  t.is(quoteLiteral("it's"), "'it''s'");
  t.throws(() => quoteIdent('a\0b'));
});

// Against a real server.
let c: Cluster;
let home: string;
test.before(async () => {
  c = await startCluster();
  home = await mkdtemp(join(tmpdir(), 'pgss-home-'));
  await c.psql("ALTER ROLE postgres PASSWORD 'admin-pw'");
  await c.psql("SET password_encryption = 'md5'; CREATE ROLE md5_user LOGIN PASSWORD 'pw1'");
  await c.psql("CREATE ROLE plain_user LOGIN PASSWORD 'pw2'");
});
test.after.always(async () => {
  await c?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const tcp = (extra = '') => `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres ${extra}`;

test.serial('connect over TCP (prefer falls back to plaintext when ssl is off) and read the facts', async (t) => {
  const s = await connect({ connect: tcp(), env: { PGPASSWORD: 'admin-pw' } }, { home });
  try {
    t.is(s.tls, undefined);
    const facts = await serverFacts(s);
    t.is(facts.major, 15);
    t.true(facts.versionNum >= 150000 && facts.versionNum < 160000);
    t.is(facts.dataDirectory, c.dataDir);
    t.is(facts.hbaFile, join(c.dataDir, 'pg_hba.conf'));
    t.is(facts.configFile, join(c.dataDir, 'postgresql.conf'));
    t.false(facts.ssl);
    t.is(facts.passwordEncryption, 'scram-sha-256');
    t.is(facts.scramIterations, undefined, 'scram_iterations arrived in 16');
    t.true(facts.isSuperuser);
    t.is(facts.currentUser, 'postgres');
    t.notThrows(() => requireSuperuser(facts, 'audit'));
    t.deepEqual(await md5Roles(s), ['md5_user']);
    await t.throwsAsync(s.query('SELECT * FROM no_such_table'), { instanceOf: QueryError, message: /no_such_table/ });
  } finally {
    await s.end();
  }
});

test.serial('a non-superuser: settings it may not read are undefined, superuser-only helpers say so', async (t) => {
  const s = await connect({ connect: `host=127.0.0.1 port=${c.port} user=plain_user dbname=postgres password=pw2 sslmode=disable` }, { home });
  try {
    const facts = await serverFacts(s);
    t.false(facts.isSuperuser);
    t.is(facts.dataDirectory, undefined);
    t.is(facts.major, 15);
    const err = t.throws(() => requireSuperuser(facts, 'reading pg_authid'), { instanceOf: ConnectionError });
    t.is(err!.kind, 'not-superuser');
    t.is(err!.status, 2);
    await t.throwsAsync(md5Roles(s), { instanceOf: ConnectionError, message: /needs a superuser/ });
  } finally {
    await s.end();
  }
});

test.serial('the Unix socket by directory, peer authentication as the OS user postgres fails as root with a clear message', async (t) => {
  const err = await t.throwsAsync(connect({ connect: `host=${c.socketDir} port=${c.port} user=postgres`, env: {} }, { home }), { instanceOf: ConnectionError });
  // We run as root: peer authentication maps the OS user, so postgres is refused.
  t.is(err!.kind, 'auth-failed');
  t.regex(err!.message, /Peer authentication failed/);
});

test.serial('password from ~/.pgpass (0600), ignored when others can read it', async (t) => {
  const pgpass = join(home, '.pgpass');
  await writeFile(pgpass, `127.0.0.1:${c.port}:*:postgres:admin-pw\n`, { mode: 0o600 });
  const s = await connect({ connect: tcp('sslmode=disable'), env: {} }, { home });
  await s.end();
  await writeFile(pgpass, `127.0.0.1:${c.port}:*:postgres:admin-pw\n`, { mode: 0o644 });
  const { chmod } = await import('node:fs/promises');
  await chmod(pgpass, 0o644);
  const err = await t.throwsAsync(connect({ connect: tcp('sslmode=disable'), env: {} }, { home }), { instanceOf: ConnectionError });
  t.is(err!.kind, 'password-required');
  t.regex(err!.message, /\.pgpass was not read: group or world can read it/);
  await rm(pgpass);
});

test.serial('clear errors: wrong password, unknown database, ssl required but off, refused, missing root file', async (t) => {
  const fails = async (connectStr: string, env: NodeJS.ProcessEnv, kind: ConnectionErrorKind, status: 1 | 2) => {
    const err = await t.throwsAsync(connect({ connect: connectStr, env }, { home }), { instanceOf: ConnectionError });
    t.is(err!.kind, kind, err!.message);
    t.is(err!.status, status);
    return err!;
  };
  await fails(tcp('sslmode=disable'), { PGPASSWORD: 'wrong' }, 'auth-failed', 2);
  await fails(`host=127.0.0.1 port=${c.port} user=postgres dbname=nope sslmode=disable`, { PGPASSWORD: 'admin-pw' }, 'no-database', 2);
  await fails(tcp('sslmode=require'), { PGPASSWORD: 'admin-pw' }, 'ssl-off', 1);
  await fails('host=127.0.0.1 port=1 sslmode=disable', {}, 'refused', 1);
  const e = await fails(tcp('sslmode=verify-full'), {}, 'bad-input', 2);
  t.regex(e.message, /no root certificate/);
});

test.serial('probe: the first answer to a StartupMessage, with no password sent', async (t) => {
  const logBefore = (await c.readLog()).length;
  const plain = await probe({ address: '127.0.0.1', port: c.port, ssl: false, startup: { user: 'postgres', database: 'postgres' } });
  t.deepEqual(plain.outcome, { kind: 'authentication', method: 'sasl', mechanisms: ['SCRAM-SHA-256'] });
  const md5 = await probe({ address: '127.0.0.1', port: c.port, ssl: false, startup: { user: 'md5_user', database: 'postgres' } });
  t.like(md5.outcome, { kind: 'authentication' });
  const off = await probe({ address: '127.0.0.1', port: c.port, ssl: { verify: true }, startup: { user: 'postgres', database: 'postgres' } });
  t.deepEqual(off.outcome, { kind: 'ssl-refused' });
  await t.throwsAsync(probe({ address: '127.0.0.1', port: 1, ssl: false }), { code: 'ECONNREFUSED' });
  const logged = (await c.readLog()).slice(logBefore);
  t.false(/authentication failed|FATAL/.test(logged), `probing leaves no failed logins in the log:\n${logged}`);
});

test('targetLabel and resolveConnection', (t) => {
  const tgt = resolveConnection({ connect: 'host=db.example.com port=6543 user=alice', env: {} });
  t.is(targetLabel(tgt), 'db.example.com:6543 as alice');
  t.is(targetLabel(resolveConnection({ connect: 'host=::1', env: { PGUSER: 'u' } })), '[::1]:5432 as u');
  const secret = resolveConnection({ connect: 'host=db password=hunter2 sslpassword=keypw', env: {} });
  t.is(secret.params.password, 'hunter2');
  t.false(JSON.stringify(secret).includes('hunter2'), 'passwords stay out of JSON');
  t.false(JSON.stringify(secret).includes('keypw'));
});
