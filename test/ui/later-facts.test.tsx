/** @jsxRuntime automatic */
/** @jsxImportSource react */
/**
 * The FQDN arrives after the first frame: keys typed before it wait and then
 * meet screens drawn as if it had been there from the start; Ctrl+C does
 * not wait; a first screen that shows the host names is drawn only once the
 * FQDN is in.
 */
import test from 'ava';
import { render } from 'ink-testing-library';
import { act } from 'react';
import type { Answers } from '../../src/answers/answers.js';
import type { EnvFacts } from '../../src/answers/questions.js';
import { WizardApp, type WizardServices } from '../../src/ui/app.js';
import { configToDraw } from '../../src/ui/later-facts.js';
import { PLAIN_THEME, ThemeContext } from '../../src/ui/theme.js';
import type { FlowConfig } from '../../src/wizard/resolve-flow.js';
import { KEY, plain, press, settle, waitForFrame } from './ink-helpers.js';

const FIRST: EnvFacts = { hostname: 'db', detectedPgVersion: 15 };
const FULL: EnvFacts = { ...FIRST, fqdn: 'db.example.com' };

const services: WizardServices = {
  makePlan: () => Promise.reject(new Error('not reached')),
  write: () => Promise.reject(new Error('not reached')),
};

/** Set once the writing screen's module has loaded, as the app loads it just after its first frame. */
const loaded = { done: false };
void import('../../src/ui/views/writing-step.js').then(() => {
  loaded.done = true;
});

/** Facts the test hands over when it likes; `asked` counts the lookups started. */
function laterFacts() {
  let give!: (env: EnvFacts) => void;
  const promise = new Promise<EnvFacts>((r) => {
    give = r;
  });
  const state = { asked: 0 };
  const later = () => {
    state.asked++;
    return promise;
  };
  return { later, give, state };
}

function start(config: FlowConfig) {
  let r: ReturnType<typeof render> | undefined;
  act(() => {
    r = render(
      <ThemeContext.Provider value={PLAIN_THEME}>
        <WizardApp config={config} services={services} size={{ columns: 80, rows: 24 }} />
      </ThemeContext.Provider>,
    );
  });
  return r!;
}

test.serial('keys typed before the FQDN is in wait for it, then the host names offer it', async (t) => {
  const facts = laterFacts();
  const r = start({ env: FIRST, envLater: facts.later, fixed: {}, prefill: {} });
  const first = plain(r.lastFrame());
  t.regex(first, /Step 1 of 8/);
  t.regex(first, /Server version: 15 {2}\(detected on this machine\)/, 'the detected version is on the first screen');
  await waitForFrame(() => String(loaded.done), /true/);
  t.is(facts.state.asked, 1, 'the lookup starts once the first frame is drawn');
  await press(r.stdin, 'x', KEY.enter); // a letter typed into the bundle directory, then Enter
  t.is(plain(r.lastFrame()), first, 'nothing moved while the FQDN was looked up');
  await act(async () => facts.give(FULL));
  const second = await waitForFrame(r.lastFrame, /Step 2 of 8/);
  t.regex(second, /Server identity: db\.example\.com, db, localhost/, 'the host names offer the FQDN');
  await press(r.stdin, KEY.escape);
  t.regex(plain(r.lastFrame()), /\.\/pg-secure-setupx/, 'the held letter went into the directory, before the held Enter');
  act(() => r.unmount());
});

test.serial('Ctrl+C does not wait for the FQDN', async (t) => {
  const facts = laterFacts();
  const r = start({ env: FIRST, envLater: facts.later, fixed: {}, prefill: {} });
  await settle();
  await press(r.stdin, KEY.ctrlC);
  t.regex(plain(r.lastFrame()), /Cancelled: nothing was written/);
  act(() => r.unmount());
});

test('a first screen without the host names is drawn at once; one with them waits for the FQDN', async (t) => {
  const where = laterFacts();
  const config: FlowConfig = { env: FIRST, envLater: where.later, fixed: {}, prefill: {} };
  t.is(await configToDraw(config), config);
  t.is(where.state.asked, 0);

  // Flags answer the first screen: the next one shows the host names.
  const identity = laterFacts();
  const fixed: Partial<Answers> = { pgVersion: 16, out: './b' };
  const drawn = configToDraw({ env: FIRST, envLater: identity.later, fixed, prefill: {} });
  let done = false;
  void drawn.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  t.false(done, 'not drawn before the FQDN is in');
  identity.give(FULL);
  const ready = await drawn;
  t.deepEqual(ready.env, FULL);
  t.is(ready.envLater, undefined);
});
