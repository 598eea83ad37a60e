/** @jsxRuntime automatic */
/** @jsxImportSource react */
/**
 * Two servers typed into the Ink wizard at 80x24, with real keys and a real
 * bundle written to a temporary directory: a shared host is refused with
 * its reason, self-signed is not offered, the review and the summary name
 * each server, and each gets its own certificate with its own names.
 */
import test from 'ava';
import { render } from 'ink-testing-library';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { act } from 'react';
import type { Answers } from '../../src/answers/answers.js';
import { makeBundle, planFor } from '../../src/commands/make-bundle.js';
import { WizardApp, type WizardServices } from '../../src/ui/app.js';
import { QuestionStep } from '../../src/ui/views/question-step.js';
import { offeredChoices, resolveAll } from '../../src/wizard/resolve-flow.js';
import { PLAIN_THEME, ThemeContext } from '../../src/ui/theme.js';
import { buildSummary } from '../../src/wizard/summary.js';
import { KEY, plain, press, waitForFrame } from './ink-helpers.js';

const ENV = { hostname: 'db', fqdn: 'db.example.com', detectedPgVersion: 15 };

/** The wizard command's services: the real plan and the real bundle on disk. */
function services(written: Answers[]): WizardServices {
  return {
    makePlan: (a) => planFor(a, new Date()),
    write: async (answers, plan, onKey) => {
      const result = await makeBundle(answers, { force: false, plan, onProgress: (_done, _total, id) => onKey(id) });
      written.push(answers);
      return buildSummary(result);
    },
  };
}

function assertFits(t: { true: (v: boolean, m?: string) => void }, frame: string): void {
  const lines = frame.split('\n');
  t.true(lines.length <= 23, `${lines.length} lines at 80x24:\n${frame}`);
  t.true(lines.every((l) => l.length <= 80), `a line is wider than 80:\n${frame}`);
}

test.serial('two servers typed in: a shared host is refused with its reason; the bundle has servers/db1 and servers/db2 with their own names', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-wizard-servers-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const out = join(work, 'b');
  const written: Answers[] = [];
  let r: ReturnType<typeof render> | undefined;
  act(() => {
    r = render(
      <ThemeContext.Provider value={PLAIN_THEME}>
        <WizardApp config={{ env: ENV, fixed: {}, prefill: {} }} services={services(written)} size={{ columns: 80, rows: 24 }} />
      </ThemeContext.Provider>,
    );
  });
  const { stdin, lastFrame } = r!;
  await press(stdin, KEY.ctrlU, out, KEY.enter);
  const servers = plain(lastFrame());
  t.regex(servers, /Step 2 of 8 · Server identity/);
  t.regex(servers, /Servers: NAME=HOST\[,HOST\.\.\.\] per server, primary first \(empty: one server\)\n {2}\+ add another\n❯ ✔ continue with one server/);
  t.regex(servers, /Leave empty for one server/);
  assertFits(t, servers);
  await press(stdin, KEY.up, 'db1=DB1.example.com,10.0.0.5', KEY.enter);
  await press(stdin, 'db2=db2.example.com,10.0.0.5', KEY.enter);
  const refused = plain(lastFrame());
  t.regex(refused, /✘ 10\.0\.0\.5 is a host of both db1 and db2: a client dialling it could not tell\s+which server answers; give each server its own names/);
  t.regex(refused, /db1=db1\.example\.com,10\.0\.0\.5\n❯ db2=db2\.example\.com,10\.0\.0\.5/, 'the entry stays to be fixed, the first one normalised');
  assertFits(t, refused);
  await press(stdin, KEY.backspace, '6', KEY.enter);
  t.regex(plain(lastFrame()), /db2=db2\.example\.com,10\.0\.0\.6\n❯ \+ add another/);
  await press(stdin, KEY.down, KEY.enter);
  const port = plain(lastFrame());
  t.regex(port, /Servers: db1=db1\.example\.com,10\.0\.0\.5, db2=db2\.example\.com,10\.0\.0\.6/);
  t.regex(port, /Server identity: db1\.example\.com, 10\.0\.0\.5 {2}\(follows from the answers above\)/);
  await press(stdin, KEY.enter);
  const pki = plain(lastFrame());
  t.regex(pki, /Certificates: How should certificates be made\?\n❯ New CA {2}.*\n {2}New CA \+ intermediate.*\nSelf-signed is not offered: several servers need one CA/);
  t.notRegex(pki, /❯? +Self-signed {2}/);
  assertFits(t, pki);
  await press(stdin, KEY.down, KEY.enter); // ca-intermediate
  for (let i = 0; i < 20 && !/Step 6 of 8/.test(plain(lastFrame())); i++) await press(stdin, KEY.enter);
  await press(stdin, KEY.enter);
  const review = await waitForFrame(lastFrame, /lines 1-/);
  t.regex(review, /Servers, the primary first: each installs its own files with apply --server NAME\n {2}db1 \(primary\) {2}db1\.example\.com, 10\.0\.0\.5 {2}→ servers\/db1\/ and server\/\n {4}sudo npx pg-secure-setup apply \. --server db1 -D \/var\/lib\/postgresql\/15\/main\n {2}db2 {12}db2\.example\.com, 10\.0\.0\.6 {2}→ servers\/db2\/\n {4}sudo npx pg-secure-setup apply \. --server db2 -D/);
  assertFits(t, review);
  await press(stdin, KEY.enter);
  const summary = await waitForFrame(lastFrame, /Bundle written/, 60_000);
  t.regex(summary, /Servers, the primary first\ndb1 \(primary\) {2}db1\.example\.com, 10\.0\.0\.5 {2}→ servers\/db1\/ and server\/\ndb2 {12}db2\.example\.com, 10\.0\.0\.6 {2}→ servers\/db2\//);
  t.regex(summary, /Next, on each server \(README\.md has every step\)\ncd \S+\nsudo npx pg-secure-setup apply \. --server db1 -D \S+\nsudo npx pg-secure-setup apply \. --server db2 -D \S+/);
  t.notRegex(summary, /\.\/apply\.sh/, 'apply.sh would install the primary\'s certificate on every server');
  act(() => r!.unmount());

  t.like(written[0], { servers: ['db1=db1.example.com,10.0.0.5', 'db2=db2.example.com,10.0.0.6'], hosts: ['db1.example.com', '10.0.0.5'], pki: 'ca-intermediate' });
  const intermediate = new X509Certificate(await readFile(join(out, 'ca', 'intermediate.crt')));
  for (const [name, dns, ip, other] of [['db1', 'db1.example.com', '10.0.0.5', 'db2.example.com'], ['db2', 'db2.example.com', '10.0.0.6', 'db1.example.com']] as const) {
    const cert = new X509Certificate(await readFile(join(out, 'servers', name, 'server.crt')));
    t.true(cert.verify(intermediate.publicKey), `${name} is signed by the bundle's intermediate`);
    t.is(cert.subjectAltName, `DNS:${dns}, IP Address:${ip}`);
    t.is(cert.checkHost(other), undefined, `${name} does not answer for ${other}`);
    t.is((await stat(join(out, 'servers', name, 'server.key'))).mode & 0o777, 0o600);
  }
  t.deepEqual(await readFile(join(out, 'servers', 'db1', 'server.crt')), await readFile(join(out, 'server', 'server.crt')), 'the primary is the bundle\'s server/');
  t.like(JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')), { servers: ['db1=db1.example.com,10.0.0.5', 'db2=db2.example.com,10.0.0.6'] });
});

test.serial('the certificate question with servers fits 80x24 with its reason, the longer help and an error', (t) => {
  const config = { env: ENV, fixed: {}, prefill: {} };
  const answers: Partial<Answers> = { servers: ['db1=db1.example.com', 'db2=db2.example.com'] };
  const { values, sources } = resolveAll(config, answers);
  for (const isHelpExpanded of [false, true]) {
    let r: ReturnType<typeof render> | undefined;
    act(() => {
      r = render(
        <ThemeContext.Provider value={PLAIN_THEME}>
          <QuestionStep focus="pki" draft={{ kind: 'choice', index: 1 }} values={values} sources={sources} width={80} height={24} hints="↑↓ choose · Enter next · Esc back · ? help · Ctrl+C quit" error="something is wrong with this value" isHelpExpanded={isHelpExpanded} offered={offeredChoices(config, answers, 'pki')} />
        </ThemeContext.Provider>,
      );
    });
    const frame = plain(r!.lastFrame());
    act(() => r!.unmount());
    t.regex(frame, / {2}New CA {2}[^\n]*\n❯ New CA \+ intermediate[^\n]*\nSelf-signed is not offered/);
    assertFits(t, frame);
  }
});
