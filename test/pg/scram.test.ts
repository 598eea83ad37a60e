import { createHash, createHmac } from 'node:crypto';
import test from 'ava';
import {
  parseScramSecret,
  PasswordRejectedError,
  saslprep,
  SaslprepUnsupportedError,
  scramKeys,
  scramSecret,
  scramSecretMatches,
  SCRAM_DEFAULT_ITERATIONS,
} from '../../src/pg/scram.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

// RFC 7677 section 3: user "user", password "pencil".
const RFC = {
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  clientFirstBare: 'n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinalNoProof: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  proof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

test('RFC 7677 example: our keys give the exchange\'s ClientProof and ServerSignature', (t) => {
  const { clientKey, storedKey, serverKey } = scramKeys(Buffer.from('pencil'), Buffer.from(RFC.salt, 'base64'), 4096);
  t.deepEqual(storedKey, createHash('sha256').update(clientKey).digest());
  const authMessage = `${RFC.clientFirstBare},${RFC.serverFirst},${RFC.clientFinalNoProof}`;
  const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ clientSignature[i]!));
  t.is(proof.toString('base64'), RFC.proof);
  t.is(createHmac('sha256', serverKey).update(authMessage).digest('base64'), RFC.serverSignature);
  // The same keys, in PostgreSQL's storage format.
  const secret = scramSecret('pencil', { salt: Buffer.from(RFC.salt, 'base64'), iterations: 4096 });
  t.is(secret, `SCRAM-SHA-256$4096:${RFC.salt}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`);
});

test('format: SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey, 16-byte salt, 4096 by default', (t) => {
  const secret = scramSecret('correct horse');
  t.regex(secret, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
  const parsed = parseScramSecret(secret)!;
  t.is(parsed.iterations, SCRAM_DEFAULT_ITERATIONS);
  t.is(parsed.salt.length, 16);
  t.true(scramSecretMatches(secret, 'correct horse'));
  t.false(scramSecretMatches(secret, 'correct horse '));
  t.is(parseScramSecret('md5' + 'a'.repeat(32)), undefined);
  t.regex(scramSecret('x', { iterations: 10000 }), /^SCRAM-SHA-256\$10000:/);
});

test('a fresh salt on every call', (t) => {
  const secrets = new Set(Array.from({ length: 20 }, () => scramSecret('same password')));
  t.is(secrets.size, 20);
  const salts = new Set([...secrets].map((s) => parseScramSecret(s)!.salt.toString('hex')));
  t.is(salts.size, 20);
});

test('refuses what PostgreSQL clients cannot send', (t) => {
  t.throws(() => scramSecret(''), { instanceOf: PasswordRejectedError });
  t.throws(() => scramSecret('a\0b'), { instanceOf: PasswordRejectedError });
  t.throws(() => scramSecret('\ud800x'), { instanceOf: PasswordRejectedError });
  t.throws(() => scramSecret('x', { iterations: 0 }), { instanceOf: RangeError });
});

test('SASLprep: the cases decided without a server', (t) => {
  t.deepEqual(saslprep('a\u0007b'), Buffer.from('a\u0007b')); // pure ASCII is used as is
  t.deepEqual(saslprep(Buffer.from([0x70, 0xff, 0x71])), Buffer.from([0x70, 0xff, 0x71])); // not UTF-8: raw bytes
  t.deepEqual(saslprep('a\u00a0b'), Buffer.from('a b')); // non-ASCII space -> space
  t.deepEqual(saslprep('pass\u00adword'), Buffer.from('password')); // soft hyphen -> nothing
  t.deepEqual(saslprep('\u00ad'), Buffer.from('\u00ad')); // empty after mapping: raw
  t.deepEqual(saslprep('\uff50\uff41\uff53\uff53'), Buffer.from('pass')); // fullwidth -> NFKC
  t.deepEqual(saslprep('\u00e9\u0007'), Buffer.from('\u00e9\u0007')); // control character in non-ASCII text: prohibited, raw
  t.throws(() => saslprep('e\u0301\u{1F600}'), { instanceOf: SaslprepUnsupportedError });
});

/** Passwords PostgreSQL 15 hashes itself; ours must match byte for byte. */
const SERVER_CASES: [string, string][] = [
  ['ascii', 'pencil'],
  ['ascii with quotes and spaces', `it's a "pass word"\\`],
  ['ascii control character', 'a\u0007b'],
  ['composed Latin', 'caf\u00e9 cr\u00e8me'],
  ['decomposed Latin (NFKC composes)', 'cafe\u0301'],
  ['fullwidth (NFKC to ASCII)', '\uff50\uff41\uff53\uff53\uff11'],
  ['ligature and superscript', '\ufb01le\u00b2'],
  ['no-break space and soft hyphen', 'pass\u00a0wo\u00adrd'],
  ['prohibited control character among non-ASCII', '\u00e9\u0007'],
  ['Greek and Cyrillic', '\u03b1\u03b2\u03b3-\u0436\u0437'],
  ['CJK and Hangul', '\u5bc6\u7801\ud55c\uad6d\u3042'],
  ['right-to-left, unchanged', '\u05e9\u05dc\u05d5\u05dd123'],
  ['emoji, unchanged', '\u{1F600}secret'],
  ['half-width katakana (NFKC widens)', '\uff76\uff80\uff76\uff85'],
];

let cluster: Cluster;
test.before(async () => {
  cluster = await startCluster();
  await cluster.psql('CREATE ROLE vector_role LOGIN');
});
test.after.always(async () => {
  await cluster?.stop();
});

async function serverSecret(password: string): Promise<string> {
  const literal = `'${password.replace(/'/g, "''")}'`;
  await cluster.psql(`SET password_encryption = 'scram-sha-256'; ALTER ROLE vector_role PASSWORD ${literal}`);
  return cluster.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'vector_role'");
}

for (const [name, password] of SERVER_CASES) {
  test.serial(`known vector from PostgreSQL 15: ${name}`, async (t) => {
    const stored = await serverSecret(password);
    const parsed = parseScramSecret(stored);
    if (!parsed) return t.fail(`server stored ${stored}`);
    t.is(scramSecret(password, { salt: parsed.salt, iterations: parsed.iterations }), stored);
    t.true(scramSecretMatches(stored, password));
  });
}

test.serial('the case we refuse is one where PostgreSQL uses tables we do not carry', async (t) => {
  // Decomposed é plus an emoji (unassigned in Unicode 3.2): PostgreSQL finds it prohibited and
  // hashes the raw bytes, though NFKC would change it. We refuse rather than guess.
  const password = 'cafe\u0301\u{1F600}';
  t.throws(() => scramSecret(password), { instanceOf: SaslprepUnsupportedError });
  const stored = parseScramSecret(await serverSecret(password))!;
  const raw = scramKeys(Buffer.from(password, 'utf8'), stored.salt, stored.iterations);
  t.deepEqual(raw.storedKey, stored.storedKey);
});
