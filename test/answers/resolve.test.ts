import test from 'ava';
import { answersFromFlags, answersFromJson, answersToJson, completeAnswers, parseFlags } from '../../src/answers/resolve.js';
import { AnswersError, UsageError } from '../../src/errors.js';

const env = { hostname: 'db1', detectedPgVersion: 16 };

test('defaults make a complete, valid answer set', (t) => {
  const a = completeAnswers({}, env);
  t.deepEqual(a, {
    pgVersion: 16,
    out: './pg-secure-setup',
    servers: [],
    hosts: ['db1', 'localhost', '127.0.0.1', '::1'],
    port: 5432,
    pki: 'ca',
    keyBits: 2048,
    days: 397,
    minTls: 'TLSv1.2',
    refusePlaintext: true,
    networks: ['samenet'],
    transport: 'tls',
    krbRealm: '',
    krbKeytab: '',
    krbSrvname: '',
    gssMaps: [],
    clientCerts: 'verify-full',
    clientUsers: ['postgres'],
    replicationUser: '',
  });
});

test('an unknown detected version falls back to 15', (t) => {
  t.is(completeAnswers({}, { detectedPgVersion: 9 }).pgVersion, 15);
});

test('self-signed defaults to no client certificates', (t) => {
  const a = completeAnswers({ pki: 'self-signed' }, env);
  t.is(a.clientCerts, 'none');
  t.deepEqual(a.clientUsers, []);
});

test('flags parse into typed answers, repeatable flags into lists', (t) => {
  const { values } = parseFlags(['--host', 'a.example.com', '--host', '10.0.0.1', '--pg-version', '14', '--key-bits', '3072', '--days', '30', '--allow-plaintext'], {});
  t.deepEqual(answersFromFlags(values), { pgVersion: 14, hosts: ['a.example.com', '10.0.0.1'], keyBits: 3072, days: 30, refusePlaintext: false });
});

test('--port: the port clients dial, a whole number from 1 to 65535', (t) => {
  t.is(completeAnswers(answersFromFlags(parseFlags(['--port', '6432'], {}).values), env).port, 6432);
  for (const [text, why] of [['0', /0 is not a TCP port \(a whole number from 1 to 65535\)/], ['65536', /65536 is not a TCP port/], ['54x', /"54x" is not a whole number/]] as const) {
    const err = t.throws(() => completeAnswers(answersFromFlags(parseFlags(['--port', text], {}).values), env), { instanceOf: AnswersError });
    t.regex(err!.message, why);
    t.regex(err!.message, /port/);
  }
  t.regex(t.throws(() => answersFromJson('{"port": "5432"}', 'a.json'))!.message, /a\.json: port: must be a number/);
});

test('an unknown flag is a usage error', (t) => {
  const err = t.throws(() => parseFlags(['--colour'], {}), { instanceOf: UsageError });
  t.regex(err!.message, /Unknown option '--colour'/);
});

test('a bad flag value names the flag', (t) => {
  const { values } = parseFlags(['--pki', 'letsencrypt', '--days', 'ten'], {});
  const err = t.throws(() => answersFromFlags(values), { instanceOf: AnswersError });
  t.regex(err!.message, /--pki: "letsencrypt" is not one of self-signed, ca, ca-intermediate/);
  t.regex(err!.message, /--days: "ten" is not a whole number/);
});

test('an answers file with unknown keys or wrong types names each', (t) => {
  const err = t.throws(() => answersFromJson('{"hosts": "db", "colour": 1, "days": "7"}', 'a.json'), { instanceOf: AnswersError });
  t.regex(err!.message, /a\.json: hosts: must be a list of strings/);
  t.regex(err!.message, /a\.json: colour: unknown answer/);
  t.regex(err!.message, /a\.json: days: must be a number/);
  t.throws(() => answersFromJson('{', 'a.json'), { message: /a\.json: not valid JSON/ });
  t.throws(() => answersFromJson('[]', 'a.json'), { message: /must hold a JSON object/ });
});

test('every bad answer is reported with its field', (t) => {
  const err = t.throws(() => completeAnswers({ hosts: ['bad_host'], networks: ['10.0.0.0/40'], clientUsers: ['pg_x'] }, env), { instanceOf: AnswersError });
  t.deepEqual(
    err!.problems.map((p) => p.field),
    ['hosts', 'networks', 'clientUsers'],
  );
});

test('client certificates under self-signed are refused, naming the way out', (t) => {
  const err = t.throws(() => completeAnswers({ pki: 'self-signed', clientCerts: 'verify-full' }, env), { instanceOf: AnswersError });
  t.regex(err!.message, /clientCerts: "verify-full" needs a CA/);
});

test('client certificates need at least one role', (t) => {
  t.throws(() => completeAnswers({ clientCerts: 'cert', clientUsers: [] }, env), { message: /clientUsers: needs at least 1 entry/ });
});

test('saved answers replay to the same answers', (t) => {
  const a = completeAnswers({ pki: 'ca-intermediate', clientUsers: ['alice', 'bob'] }, env);
  t.deepEqual(completeAnswers(answersFromJson(answersToJson(a), 'x'), {}), a);
});

test('a replication role under transport gssapi is refused (no TLS rule could take its certificate), and not asked', (t) => {
  const gss = { transport: 'gssapi' as const, krbRealm: 'EXAMPLE.COM', krbKeytab: '/etc/krb5.keytab' };
  const err = t.throws(() => completeAnswers({ ...gss, replicationUser: 'replicator' }, env), { instanceOf: AnswersError });
  t.regex(err!.message, /replicationUser: transport "gssapi" writes no TLS rules[^]*choose transport "both"/);
  t.is(completeAnswers(gss, env).replicationUser, '', 'left out when not given');
  t.is(completeAnswers({ ...gss, transport: 'both', replicationUser: 'replicator' }, env).replicationUser, 'replicator');
});
