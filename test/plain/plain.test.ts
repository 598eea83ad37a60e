/**
 * The plain prompt mode driven through streams: keys go into a PassThrough,
 * each is sent once the prompt it answers has been drawn.
 */
import test from 'ava';
import type { Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import type { ServerPrefill } from '../../src/audit/prefill.js';
import { planFor } from '../../src/commands/make-bundle.js';
import { serverContext } from '../../src/commands/server-prefill.js';
import { isPromptExit } from '../../src/plain/ask.js';
import { plainFrontEnd, type PlainServices, runPlain } from '../../src/plain/run.js';
import type { FlowConfig } from '../../src/wizard/resolve-flow.js';
import { buildSummary } from '../../src/wizard/summary.js';
import { CTRL_U, DOWN, ENTER, PROMPTS, StreamTerminal as Terminal, UP } from './stream-terminal.js';

const ENV = { hostname: 'db', fqdn: 'db.example.com', detectedPgVersion: 15 };
const CTRL_C = '\u0003';

function services(written: Answers[]): PlainServices {
  return {
    makePlan: (a) => planFor(a, new Date('2026-01-01T00:00:00Z')),
    write: async (answers, plan, onKey) => {
      for (const c of plan.certificates) onKey(c.id);
      written.push(answers);
      return buildSummary({ plan, dir: '/tmp/x/b', issued: new Map() }, '/tmp/x');
    },
  };
}

const config = (over: Partial<FlowConfig> = {}): FlowConfig => ({ env: ENV, fixed: {}, prefill: {}, ...over });

test('Enter at every prompt writes what generate makes by default, with help and manual sections shown', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const done = runPlain(config(), services(written), term);
  for (const prompt of PROMPTS) await term.on(prompt, ENTER);
  const outcome = await done;
  t.is(outcome.kind, 'written');
  t.deepEqual(written, [completeAnswers({}, ENV)]);
  t.regex(term.screen, /Manual: 18\.9\.5 Creating Certificates/);
  t.regex(term.screen, /Passwords\n {2}password_encryption +scram-sha-256[\s\S]*md5 hashes +stop working over TCP[\s\S]*New and changed passwords are stored as SCRAM-SHA-256/);
  t.notRegex(term.screen, /Roles on md5|Connection poolers/, 'no server was asked');
  t.regex(term.screen, /Review\n {2}Nothing is written yet[\s\S]*\nFiles to write in \.\/pg-secure-setup\//);
  t.regex(term.screen, /key 3\/3 client:postgres/);
  t.regex(term.screen, /Certificate chain \(each is issued by the one above it\):\n {2}CN=PostgreSQL Root CA/);
});

test('bad input is refused with generate\'s message and asked again; arrows choose; self-signed skips client certificates', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const done = runPlain(config(), services(written), term);
  await term.on(PROMPTS[0]!, ENTER);
  await term.on(PROMPTS[1]!, ENTER);
  await term.on(PROMPTS[2]!, ENTER); // one server
  await term.on(PROMPTS[3]!, ...'db.example.com, bad host!', ENTER);
  await term.on(/> "bad host!" is not a valid host name/, CTRL_U, ...'db.example.com, 10.1.2.3', ENTER);
  await term.on(PROMPTS[4]!, ...'70000', ENTER);
  await term.on(/> 70000 is not a TCP port \(a whole number from 1 to 65535\)/, CTRL_U, ...'6432', ENTER);
  await term.on(PROMPTS[5]!, UP, ENTER); // self-signed
  await term.on(PROMPTS[6]!, DOWN, ENTER); // 3072
  await term.on(PROMPTS[7]!, ...'abc', ENTER);
  await term.on(/> "abc" is not a whole number/, CTRL_U, ...'30', ENTER);
  await term.on(PROMPTS[8]!, ENTER);
  await term.on(PROMPTS[9]!, DOWN, ENTER); // allow plaintext
  await term.on(PROMPTS[10]!, ENTER);
  await term.on(PROMPTS[11]!, ENTER); // tls
  await term.on(/Client certificates: None \(follows from the answers above\)/);
  await term.on(/Write the bundle/, ENTER);
  await done;
  t.like(written[0], { hosts: ['db.example.com', '10.1.2.3'], port: 6432, pki: 'self-signed', keyBits: 3072, days: 30, refusePlaintext: false, clientCerts: 'none', clientUsers: [] });
});

test('gssapi asks the realm (refusing none and a bad one), the keytab, the service name and the maps; no replication role (it would need TLS rules)', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const done = runPlain(config(), services(written), term);
  for (const prompt of PROMPTS.slice(0, 11)) await term.on(prompt, ENTER);
  await term.on(PROMPTS[11]!, DOWN, ENTER); // gssapi
  await term.on(/\? The site's Kerberos realm/, ENTER);
  await term.on(/> krbRealm: transport "gssapi" needs the site's Kerberos realm|> transport "gssapi" needs the site's Kerberos realm/, ...'EXAMPLE COM', ENTER);
  await term.on(/> "EXAMPLE COM" is not a Kerberos realm/, CTRL_U, ...'EXAMPLE.COM', ENTER);
  await term.on(/\? Path of the server's keytab/, ...'/etc/pg.keytab', ENTER);
  await term.on(/\? Service name of the server's principal/, ENTER);
  await term.on(/\? Who may log in as which role/, ...'alice@EXAMPLE.COM=app, bob@EXAMPLE.COM=app', ENTER);
  for (const prompt of PROMPTS.slice(12, 14)) await term.on(prompt, ENTER);
  const last = await term.on(PROMPTS.at(-1)!, ENTER);
  await done;
  t.notRegex(last, /Role that standbys replicate as/);
  t.like(written[0], { transport: 'gssapi', krbRealm: 'EXAMPLE.COM', krbKeytab: '/etc/pg.keytab', krbSrvname: 'postgres', gssMaps: ['alice@EXAMPLE.COM=app', 'bob@EXAMPLE.COM=app'], replicationUser: '' });
});

test('flags answer their questions: they are shown, not asked', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const fixed: Partial<Answers> = { pgVersion: 16, out: '/tmp/o', hosts: ['h.example.com'], port: 5433, pki: 'ca', keyBits: 2048, days: 90, minTls: 'TLSv1.3', refusePlaintext: true, networks: ['10.0.0.0/8'] };
  const done = runPlain(config({ fixed }), services(written), term);
  await term.on(/Minimum TLS version: TLSv1\.3 \(set on the command line\)/);
  for (const prompt of PROMPTS.slice(11, -1)) await term.on(prompt, ENTER);
  await term.on(/Write the bundle to \/tmp\/o\?/, ENTER);
  await done;
  t.deepEqual(written, [completeAnswers(fixed, ENV)]);
  t.notRegex(term.screen, /\? Which PostgreSQL major version/);
});

test('Ctrl+C at a prompt rejects with ExitPromptError and nothing is written', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const done = runPlain(config(), services(written), term);
  await term.on(PROMPTS[0]!, ENTER);
  await term.on(PROMPTS[1]!, ENTER);
  await term.on(PROMPTS[2]!, CTRL_C);
  const err = await t.throwsAsync(done);
  t.true(isPromptExit(err));
  t.deepEqual(written, []);
});

test('answering no at the confirmation writes nothing', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const done = runPlain(config(), services(written), term);
  for (const prompt of PROMPTS.slice(0, -1)) await term.on(prompt, ENTER);
  await term.on(PROMPTS.at(-1)!, 'n', ENTER);
  t.deepEqual(await done, { kind: 'declined' });
  t.deepEqual(written, []);
  t.regex(term.screen, /Nothing was written\./);
});

test('as a front end, Ctrl+C at a prompt ends as cancelled and says nothing was written', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const done = plainFrontEnd(term).run(config(), services(written));
  await term.on(PROMPTS[0]!, ENTER);
  await term.on(PROMPTS[1]!, CTRL_C);
  t.deepEqual(await done, { kind: 'cancelled' });
  t.deepEqual(written, []);
  t.regex(term.screen, /Cancelled: nothing was written\.\n$/);
});

test('as a front end, no at the confirmation ends as cancelled too', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const done = plainFrontEnd(term).run(config(), services(written));
  for (const prompt of PROMPTS.slice(0, -1)) await term.on(prompt, ENTER);
  await term.on(PROMPTS.at(-1)!, 'n', ENTER);
  t.deepEqual(await done, { kind: 'cancelled' });
  t.deepEqual(written, []);
});

/** What a PostgreSQL 15 server with one role on md5 tells the wizard. */
const SERVER: ServerPrefill = {
  answers: { pgVersion: 15, hosts: ['db.example.com', '10.0.0.5'] },
  settled: ['pgVersion'],
  md5Roles: ['legacy'],
  migration: 'reset-passwords',
  paths: { dataDirectory: '/srv/pg/data', configFile: '/srv/pg/conf/postgresql.conf' },
};

test('a server that was asked: its version is not asked, its names are offered, the passwords step shows its md5 role and what comes next', async (t) => {
  const term = new Terminal();
  const written: Answers[] = [];
  const withServer: PlainServices = { ...services(written), makePlan: (a) => planFor(a, new Date('2026-01-01T00:00:00Z'), serverContext(SERVER)) };
  const done = runPlain(config({ server: SERVER }), withServer, term);
  await term.on(/Server version: 15 \(reported by the server\)/);
  for (const prompt of PROMPTS.slice(1)) await term.on(prompt, ENTER);
  await done;
  t.notRegex(term.screen, /\? Which PostgreSQL major version/);
  t.deepEqual(written[0]!.hosts, ['db.example.com', '10.0.0.5'], 'the names on its certificate were offered');
  const screen = term.screen;
  t.regex(screen, /Passwords\n {2}TCP logins need +a SCRAM password and a certificate whose CN is the role\n {2}Roles on md5 +legacy\n/);
  t.notRegex(screen, /md5 hashes +stop working/, 'the general line gives way to the server\'s standing');
  t.regex(screen, / {2}✔ password_encryption is scram-sha-256 on the server already\n {2}❯ a SCRAM secret for each role on md5[^\n]*\n {6}pg-secure-setup set-password legacy\n {2}· with no role left on md5/);
  t.regex(screen, /\n {6}pg-secure-setup apply \.\/pg-secure-setup --pgdata \/srv\/pg\/data --md5-to-scram\n/);
  t.regex(screen, /\n {2}Connection poolers hold their own copy: pgbouncer's auth_type/);
  t.regex(screen, /The md5 method accepts SCRAM secrets too/);
  t.regex(screen, /sudo \.\/apply\.sh \/srv\/pg\/data \/srv\/pg\/conf/, 'the review uses the server\'s paths');
  t.regex(screen, /roles still on md5 [^\n]*: legacy/, 'the review lists its md5 roles');
});
