/**
 * The bundle README as text: the port in every connection string, text that
 * matches the client-certificate mode, a section per role whose blocks a
 * person (or the e2e test) can follow, Markdown that renders.
 */
import test from 'ava';
import type { Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import { loadTemplates } from '../../src/bundle/templates.js';
import { buildPlan, type ServerContext } from '../../src/plan/plan.js';
import { blocks, markdownProblems, section } from '../helpers/readme.js';

const NOW = new Date('2026-01-01T00:00:00Z');

async function readme(given: Partial<Answers>, server?: ServerContext): Promise<string> {
  const a = completeAnswers({ hosts: ['db.example.com', '10.1.2.3'], ...given }, {});
  const plan = buildPlan(a, { now: NOW, templates: await loadTemplates(), toolVersion: '0.0.0-test', ...(server ? { server } : {}) });
  const file = plan.files.find((f) => f.path === 'README.md')!;
  if (file.source.kind !== 'text') throw new Error('README is not text');
  return file.source.text;
}

const MODES = [
  { pki: 'self-signed', clientCerts: 'none' },
  ...(['ca', 'ca-intermediate'] as const).flatMap((pki) => (['none', 'verify-ca', 'verify-full', 'cert'] as const).map((clientCerts) => ({ pki, clientCerts }))),
] as const;

for (const mode of MODES) {
  test(`${mode.pki}, client certificates ${mode.clientCerts}: the Markdown renders`, async (t) => {
    const text = await readme({ ...mode, clientUsers: mode.clientCerts === 'none' ? [] : ['alice', 'app.rw'] });
    t.deepEqual(markdownProblems(text), []);
  });
}

test('the structural check catches what breaks Markdown', (t) => {
  t.deepEqual(markdownProblems('a `b\n```sh\nx\n'), ['line 1: odd number of backticks: a `b', 'line 2: code fence never closed']);
  t.deepEqual(markdownProblems('| a | b\n{{port}}'), ['line 1: table row not closed: | a | b', 'line 2: unfilled placeholder: {{port}}']);
});

test('--port goes into every connection string and example; 5432 appears nowhere', async (t) => {
  const text = await readme({ pki: 'ca', clientCerts: 'verify-full', clientUsers: ['alice'], port: 6543 });
  t.notRegex(text, /\b5432\b/);
  const alice = section(text, 'alice');
  t.regex(alice, /psql 'host=db\.example\.com port=6543 dbname=postgres user=alice sslmode=verify-full' -c/);
  t.regex(alice, /`postgresql:\/\/alice@db\.example\.com:6543\/postgres\?sslmode=verify-full`/);
  t.regex(alice, /sslmode=verify-full sslrootcert=DIR\/root\.crt sslcert=DIR\/postgresql\.crt sslkey=DIR\/postgresql\.key`/);
  t.regex(alice, /psycopg\.connect\("host=db\.example\.com port=6543 dbname=postgres user=alice sslmode=verify-full"\)/);
  t.regex(alice, /DriverManager\.getConnection\("jdbc:postgresql:\/\/db\.example\.com:6543\/postgres", props\)/);
  t.regex(alice, /`jdbc:postgresql:\/\/db\.example\.com:6543\/postgres\?user=alice&sslmode=verify-full&sslrootcert=DIR\/root\.crt&sslcert=DIR\/postgresql\.crt&sslkey=DIR\/postgresql\.pk8`/);
  t.regex(alice, /host: 'db\.example\.com',\n {2}port: 6543,/);
  t.regex(text, /verify --connect "host=db\.example\.com port=6543 user=alice dbname=postgres"/);
  t.regex(text, /They connect to db\.example\.com on port 6543/);
});

test('the default port is 5432, in the same places', async (t) => {
  const text = await readme({ pki: 'ca', clientCerts: 'verify-ca', clientUsers: ['alice'] });
  t.is(text.match(/port=5432 |:5432\/|port: 5432,|port 5432/g)?.length, 9);
});

test('each role gets a copy block with the pgJDBC key, then psql, Python, Java and node-postgres examples', async (t) => {
  const text = await readme({ pki: 'ca-intermediate', clientCerts: 'verify-full', clientUsers: ['alice', 'app.rw'] });
  for (const role of ['alice', 'app.rw']) {
    const found = blocks(section(text, role));
    t.deepEqual(found.map((b) => [b.client, b.lang, b.saveAs ?? '']), [
      ['', 'sh', ''],
      ['psql (libpq)', 'sh', ''],
      ['Python: psycopg2 or psycopg 3', 'python', 'connect.py'],
      ['Python: psycopg2 or psycopg 3', 'sh', ''],
      ['Java: pgJDBC', 'java', 'Connect.java'],
      ['Java: pgJDBC', 'sh', ''],
      ['node-postgres (pg)', 'js', 'connect.mjs'],
      ['node-postgres (pg)', 'sh', ''],
    ]);
    const copy = found[0]!.body;
    for (const f of ['root.crt', 'postgresql.crt', 'postgresql.key', 'postgresql.pk8']) t.true(copy.includes(`clients/${role}/${f} `), `${f} is copied`);
    t.regex(copy, /chmod 600 ~\/\.postgresql\/postgresql\.key ~\/\.postgresql\/postgresql\.pk8\n$/);
    t.regex(found[6]!.body, /cert: readFileSync\(join\(dir, 'postgresql\.crt'\), 'utf8'\),\n {4}key: readFileSync\(join\(dir, 'postgresql\.key'\), 'utf8'\),/);
    t.regex(found[6]!.body, /password: process\.env\.PGPASSWORD,/);
    t.regex(found[4]!.body, /props\.setProperty\("password", System\.getenv\(\)\.getOrDefault\("PGPASSWORD", ""\)\);/);
    t.regex(found[4]!.body, new RegExp(`props\\.setProperty\\("user", "${role.replace('.', '\\.')}"\\);`));
  }
  t.regex(text, /node-postgres does not read `~\/\.postgresql\/`, and its connection-string form/);
  t.regex(text, /The rules also ask for alice's SCRAM password/);
});

test('cert bundles: no password anywhere, and nothing about scram-sha-256 rules', async (t) => {
  const text = await readme({ pki: 'ca', clientCerts: 'cert', clientUsers: ['bob'] }, { md5Roles: ['legacy'] });
  t.notRegex(text, /scram-sha-256` rules|SCRAM password|PGPASSWORD|"password"|password: process/);
  t.regex(text, /The TCP rules above use the `cert` method: the client certificate is the\nlogin and no password is asked/);
  t.regex(text, /The `cert` rules ask no password: the certificate and its key are the login/);
  t.regex(text, /The server reported 1 role still on md5\. The cert rules ask for no password, but give each a SCRAM secret/);
  t.regex(text, /npx pg-secure-setup set-password legacy/);
});

test('scram bundles keep the md5-to-SCRAM text', async (t) => {
  const text = await readme({ pki: 'ca', clientCerts: 'verify-full', clientUsers: ['bob'] }, { md5Roles: [] });
  t.regex(text, /cannot log in\nthrough the `scram-sha-256` rules above/);
  t.regex(text, /every role is ready for the rules above/);
});

for (const pki of ['self-signed', 'ca'] as const) {
  test(`${pki} without client certificates: no client-certificate section, only root.crt to copy`, async (t) => {
    const text = await readme({ pki, clientCerts: 'none' });
    t.notRegex(text, /postgresql\.(crt|key|pk8)|clients\/|sslcert|sslkey|\bcert: /);
    const found = blocks(section(text, 'Any role'));
    t.is(found[0]!.body, 'mkdir -p ~/.postgresql && chmod 700 ~/.postgresql\n(umask 077 && cp -i server/root.crt ~/.postgresql/)\n');
    t.regex(found[6]!.body, /ssl: \{\n {4}ca: readFileSync\(join\(dir, 'root\.crt'\), 'utf8'\),\n {2}\},/);
    t.regex(text, /The rules also ask for the role's SCRAM password/);
  });
}
