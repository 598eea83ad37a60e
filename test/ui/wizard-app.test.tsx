/** @jsxRuntime automatic */
/** @jsxImportSource react */
/**
 * The whole wizard in ink-testing-library at 80x24: real keys, the real plan,
 * a stand-in for the slow write. Every frame must fit the terminal.
 */
import test from 'ava';
import { render } from 'ink-testing-library';
import { act } from 'react';
import type { Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import type { ServerPrefill } from '../../src/audit/prefill.js';
import { planFor } from '../../src/commands/make-bundle.js';
import type { Plan } from '../../src/plan/plan.js';
import { WizardApp, type WizardServices } from '../../src/ui/app.js';
import { buildSummary } from '../../src/wizard/summary.js';
import { PLAIN_THEME, ThemeContext } from '../../src/ui/theme.js';
import { KEY, plain, press, settle, waitForFrame } from './ink-helpers.js';

const ENV = { hostname: 'db', fqdn: 'db.example.com', detectedPgVersion: 15 };

/** Set once the writing screen's module has loaded, as the app loads it. */
const loaded = { done: false };
void import('../../src/ui/views/writing-step.js').then(() => {
  loaded.done = true;
});

function services(written: Answers[]): WizardServices {
  return {
    makePlan: (a) => planFor(a, new Date('2026-01-01T00:00:00Z')),
    write: async (answers: Answers, plan: Plan, onKey) => {
      for (const c of plan.certificates) {
        await new Promise((r) => setTimeout(r, 5));
        onKey(c.id);
      }
      written.push(answers);
      return buildSummary({ plan, dir: '/tmp/x/pg-secure-setup', issued: new Map() }, '/tmp/x');
    },
  };
}

function start(written: Answers[], fixed: Partial<Answers> = {}, server?: ServerPrefill) {
  let r: ReturnType<typeof render> | undefined;
  act(() => {
    r = render(
      <ThemeContext.Provider value={PLAIN_THEME}>
        <WizardApp config={{ env: ENV, fixed, prefill: {}, server }} services={services(written)} size={{ columns: 80, rows: 24 }} />
      </ThemeContext.Provider>,
    );
  });
  return r!;
}

function assertFits(t: { true: (v: boolean, m?: string) => void }, frame: string): void {
  const lines = frame.split('\n');
  t.true(lines.length <= 23, `${lines.length} lines at 80x24:\n${frame}`);
  t.true(lines.every((l) => l.length <= 80), `a line is wider than 80:\n${frame}`);
}

test.serial('Enter on every screen writes the bundle generate would make by default', async (t) => {
  const written: Answers[] = [];
  const r = start(written);
  await waitForFrame(() => String(loaded.done), /true/); // the writing screen loads just after the first frame
  const titles: string[] = [];
  for (let i = 0; i < 30 && !/Bundle written/.test(plain(r.lastFrame())); i++) {
    const frame = plain(r.lastFrame());
    assertFits(t, frame);
    titles.push(/Step \d of 8 · [^■□]+/.exec(frame)?.[0].trim() ?? '?');
    if (/Working out the plan/.test(frame)) {
      await waitForFrame(r.lastFrame, /lines 1-/);
      await press(r.stdin, '?'); // the longer help shortens the window; everything still fits
      assertFits(t, plain(r.lastFrame()));
      t.regex(plain(r.lastFrame()), /first matching line decides/);
      await press(r.stdin, '?');
    }
    else if (/Step 8 of 8/.test(frame)) await waitForFrame(r.lastFrame, /Bundle written/);
    else await press(r.stdin, KEY.enter);
  }
  const last = plain(r.lastFrame());
  t.regex(last, /✔ Bundle written to pg-secure-setup\//);
  t.regex(last, /├─ CN=db\.example\.com/);
  assertFits(t, last);
  t.true(r.frames.some((f) => /Step 8 of 8 · Writing the bundle[\s\S]*Making 3 RSA keys of 2048 bits/.test(plain(f))), 'progress was drawn');
  t.deepEqual([...new Set(titles.filter((s) => !s.startsWith('Step 8')))], [
    'Step 1 of 8 · Where',
    'Step 2 of 8 · Server identity',
    'Step 3 of 8 · Certificates',
    'Step 4 of 8 · TLS policy',
    'Step 5 of 8 · Client certificates',
    'Step 6 of 8 · Passwords',
    'Step 7 of 8 · Review',
  ]);
  t.deepEqual(written, [completeAnswers({}, ENV)]);
  act(() => r.unmount());
});

test.serial('changed choices, a typed host, Esc back and forward, long help: the written answers follow', async (t) => {
  const written: Answers[] = [];
  const r = start(written);
  await press(r.stdin, KEY.enter, KEY.enter); // out, no servers
  await press(r.stdin, KEY.up, 'replica.example.com', KEY.enter); // add a host
  t.regex(plain(r.lastFrame()), /replica\.example\.com\n❯ \+ add another/);
  await press(r.stdin, KEY.down, KEY.enter); // continue
  await press(r.stdin, KEY.ctrlU, '0', KEY.enter);
  t.regex(plain(r.lastFrame()), /✘ 0 is not a TCP port \(a whole number from 1 to 65535\)/);
  await press(r.stdin, KEY.backspace, '6432', KEY.enter); // port
  await press(r.stdin, KEY.down, KEY.enter); // ca-intermediate
  await press(r.stdin, KEY.down, KEY.enter); // 3072
  await press(r.stdin, KEY.escape); // back to key size
  t.regex(plain(r.lastFrame()), /❯ 3072 bits/);
  await press(r.stdin, KEY.escape); // back to pki
  t.regex(plain(r.lastFrame()), /❯ New CA \+ intermediate/);
  await press(r.stdin, '?');
  t.regex(plain(r.lastFrame()), /the root key can stay offline/);
  assertFits(t, plain(r.lastFrame()));
  await press(r.stdin, '?', KEY.enter, KEY.enter); // keep both
  await press(r.stdin, KEY.ctrlU, '9x', KEY.enter);
  t.regex(plain(r.lastFrame()), /✘ "9x" is not a whole number/);
  await press(r.stdin, KEY.backspace, '0', KEY.enter); // 90 days
  await press(r.stdin, KEY.down, KEY.enter); // TLSv1.3
  await press(r.stdin, KEY.enter, KEY.enter, KEY.enter, KEY.enter); // refuse plaintext, networks, tls, verify-full
  await press(r.stdin, KEY.up, 'alice', KEY.enter, KEY.down, KEY.enter); // roles: postgres, alice
  await press(r.stdin, 'replicator', KEY.enter); // replication role
  t.regex(plain(r.lastFrame()), /Step 6 of 8 · Passwords/);
  await press(r.stdin, KEY.enter);
  await waitForFrame(r.lastFrame, /lines 1-/);
  await press(r.stdin, KEY.enter);
  await waitForFrame(r.lastFrame, /Bundle written/);
  t.is(written.length, 1);
  t.like(written[0], { port: 6432, pki: 'ca-intermediate', keyBits: 3072, days: 90, minTls: 'TLSv1.3', clientUsers: ['postgres', 'alice'], replicationUser: 'replicator' });
  t.deepEqual(written[0]!.hosts.slice(-1), ['replica.example.com']);
  act(() => r.unmount());
});

test.serial('a server that was asked: its version is shown, not asked; the passwords screen names its md5 roles and what comes next', async (t) => {
  const written: Answers[] = [];
  const server: ServerPrefill = { answers: { pgVersion: 16 }, settled: ['pgVersion'], md5Roles: ['legacy', 'app'], migration: 'reset-passwords', paths: { dataDirectory: '/srv/pg/16/data' } };
  const r = start(written, {}, server);
  const first = plain(r.lastFrame());
  t.regex(first, /Server version: 16 {2}\(reported by the server\)\nBundle directory: Where should/);
  await press(r.stdin, KEY.escape);
  t.regex(plain(r.lastFrame()), /Bundle directory: Where should/, 'Esc cannot reach a version the server decided');
  for (let i = 0; i < 16 && !/Step 6 of 8/.test(plain(r.lastFrame())); i++) await press(r.stdin, KEY.enter);
  const passwords = plain(r.lastFrame());
  t.regex(passwords, /Step 6 of 8 · Passwords/);
  t.regex(passwords, /Roles on md5 +legacy, app\n/);
  t.regex(passwords, /❯ a SCRAM secret for each role on md5[^\n]*\n {4}pg-secure-setup set-password legacy\n {4}pg-secure-setup set-password app\n/);
  t.regex(passwords, /--pgdata \/srv\/pg\/16\/data\s+--md5-to-scram/);
  assertFits(t, passwords);
  await press(r.stdin, '?');
  assertFits(t, plain(r.lastFrame()));
  await press(r.stdin, KEY.escape);
  t.regex(plain(r.lastFrame()), /Step 5 of 8/);
  await press(r.stdin, KEY.enter);
  t.regex(plain(r.lastFrame()), /Roles on md5 +legacy, app/);
  act(() => r.unmount());
});

test.serial('Ctrl+C in the middle ends the wizard, says nothing was written, and writes nothing', async (t) => {
  const written: Answers[] = [];
  const r = start(written);
  await press(r.stdin, KEY.enter, KEY.enter, KEY.down);
  await press(r.stdin, KEY.ctrlC);
  await settle(10);
  t.regex(plain(r.lastFrame()), /Cancelled: nothing was written/);
  await press(r.stdin, KEY.enter, KEY.enter);
  t.deepEqual(written, []);
  act(() => r.unmount());
});
