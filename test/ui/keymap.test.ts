/** Keys to actions: the same key means different things when typing, choosing or reviewing. */
import test from 'ava';
import { initFlow, flowReducer, type FlowState } from '../../src/ui/flow.js';
import { actionForKey, hintsFor, type KeyInfo, reduceKey } from '../../src/ui/keymap.js';
import type { FlowConfig } from '../../src/wizard/resolve-flow.js';

const config: FlowConfig = { env: { hostname: 'db', detectedPgVersion: 15 }, fixed: {}, prefill: {} };
const onOut = initFlow(config); // a text field
const onVersion = flowReducer(onOut, { type: 'back' }); // a choice
const onHosts = flowReducer(onOut, { type: 'next' }); // a list, cursor on "continue"
const onReview: FlowState = { ...onOut, stop: { kind: 'review' }, draft: undefined };

const cases: [string, FlowState, string, KeyInfo, unknown][] = [
  ['Ctrl+C quits while typing', onOut, 'c', { ctrl: true }, { type: 'quit' }],
  ['Esc goes back', onVersion, '', { escape: true }, { type: 'back' }],
  ['Enter goes on', onVersion, '\r', { return: true }, { type: 'next' }],
  ['↓ moves in a choice', onVersion, '', { downArrow: true }, { type: 'move', delta: 1 }],
  ['a letter types in a text field', onOut, 'x', {}, { type: 'edit', edit: { kind: 'insert', text: 'x' } }],
  ['a paste types in one go', onOut, 'abc', {}, { type: 'edit', edit: { kind: 'insert', text: 'abc' } }],
  ['Backspace deletes while typing', onOut, '', { backspace: true }, { type: 'edit', edit: { kind: 'delete-back' } }],
  ['the Delete code (0x7f) deletes while typing', onOut, '', { delete: true }, { type: 'edit', edit: { kind: 'delete-back' } }],
  ['Ctrl+U clears to the start', onOut, 'u', { ctrl: true }, { type: 'edit', edit: { kind: 'clear-to-start' } }],
  ['? toggles help', onVersion, '?', {}, { type: 'toggle-more' }],
  ['a letter in a choice does nothing', onVersion, 'x', {}, undefined],
  ['Backspace on a list removes', onHosts, '', { backspace: true }, { type: 'remove' }],
  ['↓ scrolls the review', onReview, '', { downArrow: true }, { type: 'scroll', delta: 1, max: 30 }],
  ['PgDn pages the review', onReview, '', { pageDown: true }, { type: 'scroll', delta: 12, max: 30 }],
];
for (const [title, state, input, key, expected] of cases) {
  test(title, (t) => {
    t.deepEqual(actionForKey(state, input, key, { max: 30, page: 12 }), expected);
  });
}

test('keys typed faster than a render each meet the state the last one left', (t) => {
  // Down, Down, Enter on the version choice (15) lands on 17 and goes to the next question.
  let s = onVersion;
  for (const key of [{ downArrow: true }, { downArrow: true }, { return: true }] as KeyInfo[]) s = reduceKey(s, '', key);
  t.is(s.answers.pgVersion, 17);
  t.deepEqual(s.stop, { kind: 'question', key: 'out' });
});

test('the footer names the keys that work here', (t) => {
  t.regex(hintsFor(onVersion), /↑↓ choose · Enter next · Esc back · \? help · Ctrl\+C quit/);
  t.regex(hintsFor(onHosts), /Enter next/);
  t.regex(hintsFor(onReview), /Enter write the bundle/);
});
