/** @jsxRuntime automatic */
/** @jsxImportSource react */
/**
 * Each step's view on its own, drawn by ink-testing-library at 80 columns:
 * what it shows for the state it is given. Serial: Ink tests share React's act().
 */
import test from 'ava';
import { render } from 'ink-testing-library';
import { act, type ReactNode } from 'react';
import { QUESTION_ORDER, QUESTIONS, type Question } from '../../src/answers/questions.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import type { ServerPrefill } from '../../src/audit/prefill.js';
import { planFor } from '../../src/commands/make-bundle.js';
import type { Draft } from '../../src/ui/flow.js';
import { lineOf } from '../../src/ui/line-edit.js';
import { resolveAll } from '../../src/wizard/resolve-flow.js';
import { reviewLines } from '../../src/wizard/review-lines.js';
import { buildSummary } from '../../src/wizard/summary.js';
import { COLOR_THEME, PLAIN_THEME, ThemeContext, themeFor } from '../../src/ui/theme.js';
import { ListField } from '../../src/ui/views/fields.js';
import { PasswordsStep } from '../../src/ui/views/passwords-step.js';
import { QuestionStep } from '../../src/ui/views/question-step.js';
import { ReviewStep } from '../../src/ui/views/review-step.js';
import { SummaryView } from '../../src/ui/views/summary-view.js';
import { WritingStep } from '../../src/ui/views/writing-step.js';
import { plain } from './ink-helpers.js';

const ENV = { hostname: 'db', fqdn: 'db.example.com', detectedPgVersion: 15 };
const config = { env: ENV, fixed: {}, prefill: {} };
const NOW = new Date('2026-01-01T00:00:00Z');

function draw(node: ReactNode): string {
  let r: ReturnType<typeof render> | undefined;
  act(() => {
    r = render(<ThemeContext.Provider value={PLAIN_THEME}>{node}</ThemeContext.Provider>);
  });
  const frame = plain(r!.lastFrame());
  act(() => r!.unmount());
  return frame;
}

function fits(t: { true: (v: boolean, m?: string) => void }, frame: string, rows = 23): void {
  const lines = frame.split('\n');
  t.true(lines.length <= rows, `${lines.length} lines:\n${frame}`);
  for (const line of lines) t.true(line.length <= 80, `longer than 80: ${line}`);
}

const questionProps = (focus: 'pki' | 'days' | 'hosts', draft: Parameters<typeof QuestionStep>[0]['draft'], more = false) => {
  const { values, sources } = resolveAll(config, {});
  return { focus, draft, values, sources, width: 80, height: 24, hints: 'HINTS', isHelpExpanded: more, detectedPgVersion: 15 };
};

test.serial('a choice: the prompt, every value with its hint, the help with its manual section', (t) => {
  const frame = draw(<QuestionStep {...questionProps('pki', { kind: 'choice', index: 1 })} />);
  t.regex(frame, /Step 3 of 8 · Certificates/);
  t.regex(frame, /Certificates: How should certificates be made\?/);
  t.regex(frame, /❯ New CA +a root CA signs/);
  t.regex(frame, /^ {2}Self-signed/m);
  t.regex(frame, /Key size: 2048 bits {2}\(next\)/);
  t.regex(frame, /A self-signed certificate is quickest/);
  t.regex(frame, /Manual: 18\.9\.5 Creating Certificates · \? more/);
  t.regex(frame, /HINTS/);
  fits(t, frame);
});

test.serial('? shows the longer help in place of the short one', (t) => {
  const frame = draw(<QuestionStep {...questionProps('pki', { kind: 'choice', index: 1 }, true)} />);
  t.regex(frame, /the root key can stay offline/);
  t.notRegex(frame, /A self-signed certificate is quickest/);
  fits(t, frame);
});

test.serial('a text field shows what is typed; answered questions above show their value', (t) => {
  const frame = draw(<QuestionStep {...questionProps('days', { kind: 'text', line: lineOf('90') })} error="90x is not a whole number" />);
  t.regex(frame, /Certificates: New CA {2}\(default\)\n/);
  t.regex(frame, /❯ 90/);
  t.regex(frame, /✘ 90x is not a whole number/);
});

test.serial('help text wraps at words, no line starts with a space', (t) => {
  const frame = draw(<QuestionStep {...questionProps('hosts', { kind: 'list', items: ['a'], cursor: 2 })} />);
  const help = frame.split('\n').filter((l) => /subjectAltName|verify-full|wildcard/.test(l));
  t.true(help.length >= 2);
  for (const line of help) t.false(line.startsWith(' '), line);
});

test.serial('a list: entries, "add", "continue", the entry being edited, and scrolling when long', (t) => {
  const frame = draw(<ListField items={['db', 'localhost']} cursor={3} />);
  t.regex(frame, /^ {2}db\n {2}localhost\n {2}\+ add another\n❯ ✔ continue with these 2$/);
  const editing = draw(<ListField items={['db']} cursor={1} editing={{ index: 1, line: lineOf('10.0.0.0/8') }} />);
  t.regex(editing, /❯ 10\.0\.0\.0\/8/);
  const long = draw(<ListField items={Array.from({ length: 20 }, (_, i) => `h${i}.example.com`)} cursor={10} maxRows={6} />);
  t.regex(long, /↑ \d+ more/);
  t.regex(long, /❯ h10\.example\.com/);
  t.regex(long, /↓ \d+ more/);
  t.is(long.split('\n').length, 8);
});

test.serial('passwords: what is set and what happens to md5, by client-certificate mode', (t) => {
  const answers = completeAnswers({}, ENV);
  const frame = draw(<PasswordsStep answers={answers} width={80} hints="H" isHelpExpanded={false} />);
  t.regex(frame, /Step 6 of 8 · Passwords/);
  t.regex(frame, /password_encryption +scram-sha-256/);
  t.regex(frame, /md5 hashes +stop working over TCP/);
  t.regex(frame, /Manual: 20\.5 Password Authentication/);
  const cert = draw(<PasswordsStep answers={{ ...answers, clientCerts: 'cert' }} width={80} hints="H" isHelpExpanded />);
  t.regex(cert, /no password/);
  t.regex(cert.replace(/\s+/g, ' '), /SELECT rolname FROM pg_authid WHERE rolpassword LIKE 'md5%'/);
  fits(t, cert);
});

/** What a server reports, for each place the md5 to SCRAM migration can stand. */
function server(migration: ServerPrefill['migration'], md5Roles?: string[]): ServerPrefill {
  return { answers: { pgVersion: 15 }, settled: ['pgVersion'], ...(md5Roles ? { md5Roles } : {}), migration, paths: { dataDirectory: '/var/lib/postgresql/15/main' } };
}

test.serial('passwords with a server: its md5 roles, the migration step by step in the manual\'s order, the pooler note', (t) => {
  const answers = completeAnswers({}, ENV);
  const frame = draw(<PasswordsStep answers={answers} server={server('reset-passwords', ['legacy'])} width={80} hints="H" isHelpExpanded={false} />);
  t.regex(frame, /Roles on md5 +legacy\n/);
  t.notRegex(frame, /md5 hashes/, 'the general line gives way to what the server said');
  t.regex(frame, /✔ password_encryption is scram-sha-256 on the server already\n❯ a SCRAM secret for each role on md5 [^\n]*\n {4}pg-secure-setup set-password legacy\n· with no role left on md5/);
  t.regex(frame, / {4}pg-secure-setup apply \.\/pg-secure-setup --pgdata\s+\/var\/lib\/postgresql\/15\/main\s+--md5-to-scram/);
  t.regex(frame, /Connection poolers hold their own copy: pgbouncer's auth_type/);
  t.regex(frame, /The md5 method accepts SCRAM secrets too/);
  t.regex(frame, /Manual: 20\.5 Password Authentication/);
  fits(t, frame);
  fits(t, draw(<PasswordsStep answers={answers} server={server('reset-passwords', ['legacy'])} width={80} hints="H" isHelpExpanded />));
});

test.serial('passwords with a server, wherever it stands: every screen fits 80x24', (t) => {
  const answers = completeAnswers({}, ENV);
  const cases = [
    { pre: server('password-encryption', ['a', 'b', 'c', 'd', 'e']), expect: [/Roles on md5 +a, b, c and 2 more/, /❯ first, as a superuser, and reload \(SELECT pg_reload_conf\(\)\):\n {4}ALTER SYSTEM SET password_encryption = 'scram-sha-256'\n/, /· a SCRAM secret for each role/, /set-password a\n {4}… and 4 more the same way/] },
    { pre: server('check-roles'), expect: [/Roles on md5 +unknown: only a superuser can read pg_authid/, /❯ audit as a superuser to see which roles are on md5, then for each:\n {4}pg-secure-setup set-password ROLE/] },
    { pre: server('rewrite-hba', []), expect: [/Roles on md5 +none left/, /✔ no role stores an md5 password any more\n❯ install the bundle and rewrite the md5 rules to scram-sha-256:/] },
  ];
  for (const { pre, expect } of cases) {
    for (const more of [false, true]) {
      const frame = draw(<PasswordsStep answers={answers} server={pre} width={80} hints="H" isHelpExpanded={more} />);
      if (!more) for (const pattern of expect) t.regex(frame, pattern);
      fits(t, frame);
    }
  }
});

test.serial('review: a window on every file with its mode, settings, rules in order, commands', async (t) => {
  const plan = await planFor(completeAnswers({ pki: 'ca-intermediate', clientUsers: ['alice', 'bob'] }, ENV), NOW);
  const lines = reviewLines(plan);
  const all = lines.map((l) => l.text).join('\n');
  t.regex(all, /0600 {2}server\/server\.key/);
  t.regex(all, /ssl_min_protocol_version = 'TLSv1\.2'/);
  t.regex(all, /local +all +all +peer[\s\S]*hostnossl[\s\S]*hostssl +all[\s\S]*hostssl +replication/, 'rules in order');
  t.regex(all, /sudo \.\/apply\.sh/);
  const top = draw(<ReviewStep lines={lines} scroll={0} height={12} width={80} hints="H" />);
  t.regex(top, new RegExp(`lines 1-12 of ${lines.length} · ↓ more below`));
  fits(t, top);
  const end = draw(<ReviewStep lines={lines} scroll={999} height={12} width={80} hints="H" />);
  t.regex(end, / · end/);
  t.regex(end, /sudo \.\/apply\.sh/);
  t.regex(draw(<ReviewStep lines={undefined} scroll={0} height={12} width={80} hints="H" />), /Working out the plan/);
});

test.serial('writing: each key ticks off, the bar counts; a failure says nothing was written', (t) => {
  const certificates = [{ id: 'root', name: 'Root' }, { id: 'server', name: 'db' }, { id: 'client:alice', name: 'alice' }];
  const frame = draw(<WritingStep certificates={certificates} keyBits={2048} made={['root']} status="running" width={80} hints="Ctrl+C quit" />);
  t.regex(frame, /Making 3 RSA keys of 2048 bits/);
  t.regex(frame, /✔ root/);
  t.regex(frame, /1 of 3/);
  const failed = draw(<WritingStep certificates={certificates} keyBits={2048} made={[]} status="failed" error="disk full" width={80} hints="Esc back" />);
  t.regex(failed, /✘ disk full/);
  t.regex(failed, /Nothing was written/);
});

test.serial('summary: the chain as a tree, files by directory, next commands', async (t) => {
  const plan = await planFor(completeAnswers({ pki: 'ca-intermediate', clientUsers: ['alice', 'bob'], out: '/tmp/b' }, ENV), NOW);
  const summary = buildSummary({ plan, dir: '/tmp/b', issued: new Map() }, '/tmp');
  const frame = draw(<SummaryView summary={summary} width={80} />);
  t.regex(frame, /✔ Bundle written to b\//);
  t.regex(frame, /CN=PostgreSQL Root CA for db\.example\.com +\(root CA, expires \d{4}-\d\d-\d\d\)/);
  t.regex(frame, /└─ CN=PostgreSQL Intermediate CA for db\.example\.com\n {3}│ {2}\(intermediate CA, expires/);
  t.regex(frame, / {3}├─ CN=db\.example\.com +\(server/);
  t.regex(frame, / {3}└─ CN=bob +\(client/);
  t.regex(frame, /server\/ +server\.crt server\.key\* root\.crt root\.crl/);
  t.regex(frame, /ca\/ +root\.crt root\.key\* intermediate\.crt intermediate\.key\* README\.md/);
  // Each command whole on its own line: a wrapped one would paste as two.
  t.regex(frame, /^ *cd b$/m);
  t.regex(frame, /^ *sudo \.\/apply\.sh \/var\/lib\/postgresql\/\d+\/main \/etc\/postgresql\/\d+\/main$/m);
  fits(t, frame);
  t.deepEqual(summary.connections.map((c) => c.conninfo), [
    'host=db.example.com port=5432 dbname=postgres user=alice sslmode=verify-full',
    'host=db.example.com port=5432 dbname=postgres user=bob sslmode=verify-full',
  ]);
});

test.serial('summary: the connection strings carry the port clients dial', async (t) => {
  const plan = await planFor(completeAnswers({ pki: 'ca', clientUsers: ['alice'], port: 6432, out: '/tmp/b' }, ENV), NOW);
  const summary = buildSummary({ plan, dir: '/tmp/b', issued: new Map() }, '/tmp');
  t.deepEqual(summary.connections.map((c) => c.conninfo), ['host=db.example.com port=6432 dbname=postgres user=alice sslmode=verify-full']);
});

test.serial('NO_COLOR takes every colour out of the theme', (t) => {
  t.is(themeFor({ NO_COLOR: '1' }), PLAIN_THEME);
  t.is(themeFor({ NO_COLOR: '' }), COLOR_THEME, 'an empty NO_COLOR does not count (no-color.org)');
  t.is(themeFor({}), COLOR_THEME);
  t.true(Object.values(PLAIN_THEME).every((v) => v === undefined || v === false));
});

test.serial('every question fits 80x24 with the longer help, an error and a long list', (t) => {
  const { values, sources } = resolveAll(config, {});
  for (const key of QUESTION_ORDER) {
    const q = QUESTIONS[key] as Question;
    const draft: Draft =
      q.kind === 'choice'
        ? { kind: 'choice', index: 0 }
        : q.kind === 'list'
          ? { kind: 'list', items: Array.from({ length: 12 }, (_, i) => `entry-${i}.example.com`), cursor: 13 }
          : { kind: 'text', line: lineOf(String(values[key])) };
    for (const isHelpExpanded of [false, true]) {
      const frame = draw(
        <QuestionStep focus={key} draft={draft} values={values} sources={sources} width={80} height={24} hints="↑↓ choose · Enter next · Esc back · ? help · Ctrl+C quit" error="something is wrong with this value" isHelpExpanded={isHelpExpanded} />,
      );
      fits(t, frame);
    }
  }
});

test.serial('writing fits 80x24 with many certificates, a failure and the longer help', (t) => {
  const certificates = Array.from({ length: 12 }, (_, i) => ({ id: `client:user${i}`, name: `user${i}` }));
  const frame = draw(<WritingStep certificates={certificates} keyBits={4096} made={['client:user1']} status="failed" error="EACCES: permission denied, mkdir '/x'" width={80} hints="Esc back · ? help · Ctrl+C quit" isHelpExpanded />);
  t.regex(frame, /… and 6 more/);
  t.regex(frame, /move ca\/ offline/);
  fits(t, frame);
});
