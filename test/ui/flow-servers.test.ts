/**
 * The servers question in the wizard's flow, without Ink: entries checked
 * one by one and against each other, the hosts and the certificate choice
 * that follow from them, and Esc back through them.
 */
import test from 'ava';
import type { Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import { currentAnswers, type FlowAction, flowReducer, type FlowState, initFlow, stopsOf } from '../../src/ui/flow.js';
import { type FlowConfig, offeredChoices, resolveAll } from '../../src/wizard/resolve-flow.js';

const ENV = { hostname: 'db', fqdn: 'db.example.com', detectedPgVersion: 15 };
const config = (over: Partial<FlowConfig> = {}): FlowConfig => ({ env: ENV, fixed: {}, prefill: {}, ...over });

const run = (state: FlowState, ...actions: FlowAction[]): FlowState => actions.reduce(flowReducer, state);
const next: FlowAction = { type: 'next' };
const back: FlowAction = { type: 'back' };
const up: FlowAction = { type: 'move', delta: -1 };
const down: FlowAction = { type: 'move', delta: 1 };
const type = (text: string): FlowAction => ({ type: 'edit', edit: { kind: 'insert', text } });

const at = (s: FlowState): string => (s.stop.kind === 'question' ? s.stop.key : s.stop.kind);
const asked = (s: FlowState): string[] => stopsOf(s.config, s.answers).flatMap((stop) => (stop.kind === 'question' ? [stop.key] : []));
const items = (s: FlowState): readonly string[] => (s.draft?.kind === 'list' ? s.draft.items : []);

function enterUntil(state: FlowState, stop: string): FlowState {
  for (let i = 0; i < 20 && at(state) !== stop; i++) state = flowReducer(state, next);
  return state;
}

/** At the servers question, type each entry on "add". */
function addServers(s: FlowState, ...entries: string[]): FlowState {
  s = run(s, up); // from "continue" onto "add"
  for (const e of entries) s = run(s, type(e), next);
  return s;
}

const DB1 = 'db1=db1.example.com,10.0.0.5';
const DB2 = 'db2=DB2.example.com.,10.0.0.6';

test('Enter on the empty servers list is one server, as before: hosts are asked, every certificate choice offered', (t) => {
  let s = enterUntil(initFlow(config()), 'servers');
  t.deepEqual(items(s), []);
  s = run(s, next);
  t.is(at(s), 'hosts');
  t.deepEqual(currentAnswers(s).servers, []);
  t.deepEqual(offeredChoices(s.config, s.answers, 'pki').choices.map((c) => c.value), ['self-signed', 'ca', 'ca-intermediate']);
});

test('two servers: entries are normalised, a shared host and a repeated name are refused with the reason, hosts follow the primary', (t) => {
  let s = enterUntil(initFlow(config()), 'servers');
  s = addServers(s, DB1, DB2);
  t.deepEqual(items(s), ['db1=db1.example.com,10.0.0.5', 'db2=db2.example.com,10.0.0.6']);
  s = run(s, type('db3=db3.example.com,10.0.0.5'), next);
  t.is(s.error, '10.0.0.5 is a host of both db1 and db3: a client dialling it could not tell which server answers; give each server its own names');
  t.deepEqual(items(s), ['db1=db1.example.com,10.0.0.5', 'db2=db2.example.com,10.0.0.6'], 'the refused entry is not added');
  t.true(s.draft?.kind === 'list' && s.draft.editing !== undefined, 'it stays on screen to be fixed');
  s = run(s, { type: 'edit', edit: { kind: 'end' } }, { type: 'edit', edit: { kind: 'clear-to-start' } }, type('db1=db9.example.com'), next);
  t.regex(s.error ?? '', /two servers are named "db1"/);
  s = run(s, { type: 'edit', edit: { kind: 'clear-to-start' } }, type('db2'), next);
  t.regex(s.error ?? '', /"db2": give NAME=HOST\[,HOST\.\.\.\]/);
  s = run(s, back, down, next); // Esc drops the entry; continue
  t.is(s.error, undefined);
  t.is(at(s), 'port', 'the hosts are the primary\'s: not asked');
  t.deepEqual(currentAnswers(s).hosts, ['db1.example.com', '10.0.0.5']);
});

test('with servers the certificate question offers only the CAs, says why, and cannot reach self-signed', (t) => {
  let s = enterUntil(initFlow(config()), 'servers');
  s = addServers(s, DB1, DB2);
  s = enterUntil(run(s, down, next), 'pki');
  const offered = offeredChoices(s.config, s.answers, 'pki');
  t.deepEqual(offered.choices.map((c) => c.value), ['ca', 'ca-intermediate']);
  t.regex(offered.why ?? '', /several servers need one CA/);
  t.deepEqual(s.draft, { kind: 'choice', index: 0 }, 'the default is ca');
  s = run(s, up, up, next);
  t.is(currentAnswers(s).pki, 'ca', 'up stops at the first choice offered');
  s = enterUntil(s, 'review');
  const final = currentAnswers(s);
  t.deepEqual(final, completeAnswers({ servers: final.servers }, ENV), 'generate accepts the same answers');
});

test('self-signed chosen, then Esc back to add servers: the CA is offered instead; clearing them offers self-signed again', (t) => {
  let s = enterUntil(initFlow(config()), 'pki');
  s = run(s, up, next); // self-signed
  t.is(currentAnswers(s).pki, 'self-signed');
  s = run(s, back, back, back, back); // keyBits <- pki <- port <- hosts <- servers
  t.is(at(s), 'servers');
  s = addServers(s, DB1, DB2);
  s = run(s, down, next);
  t.is(s.error, undefined, 'no complaint about an answer further on');
  t.is(at(s), 'port');
  s = run(s, next);
  t.is(at(s), 'pki');
  t.deepEqual(s.draft, { kind: 'choice', index: 0 });
  t.is(currentAnswers(s).pki, 'ca');
  t.true(asked(s).includes('clientCerts'), 'client certificates are asked again, now that there is a CA');
  // Back to the servers, remove both: one server again, every choice offered, the one last on screen kept.
  s = run(s, back, back);
  t.is(at(s), 'servers');
  s = run(s, { type: 'move', delta: -99 }, { type: 'remove' }, { type: 'remove' }, down, next);
  t.is(at(s), 'hosts');
  t.deepEqual(currentAnswers(s).servers, []);
  s = enterUntil(s, 'pki');
  t.deepEqual(offeredChoices(s.config, s.answers, 'pki').choices.map((c) => c.value), ['self-signed', 'ca', 'ca-intermediate']);
  t.deepEqual(s.draft, { kind: 'choice', index: 1 }, 'ca, as it was on screen when Esc left it');
  s = run(s, up, next);
  t.false(asked(s).includes('clientCerts'), 'self-signed again settles client certificates');
});

test('self-signed chosen, then servers added: the answers never hold self-signed beside servers', (t) => {
  let s = enterUntil(initFlow(config()), 'pki');
  s = run(s, up, next); // self-signed
  s = run(s, back, back, back, back);
  s = addServers(s, DB1, DB2);
  s = run(s, down, next);
  t.is(currentAnswers(s).pki, 'ca');
  s = enterUntil(s, 'review');
  t.is(s.error, undefined);
  t.deepEqual(currentAnswers(s), completeAnswers({ servers: currentAnswers(s).servers }, ENV));
});

test('--server flags settle the question and the hosts; --host or --pki self-signed rule servers out without asking', (t) => {
  const fixed: Partial<Answers> = { servers: [DB1, 'db2=db2.example.com,10.0.0.6'] };
  let s = initFlow(config({ fixed }));
  t.false(asked(s).includes('servers'));
  t.false(asked(s).includes('hosts'));
  t.like(resolveAll(s.config, {}).sources, { servers: 'flag', hosts: 'settled' });
  s = enterUntil(s, 'review');
  t.deepEqual(currentAnswers(s), completeAnswers(fixed, ENV));
  for (const other of [{ hosts: ['a.example.com'] }, { pki: 'self-signed' as const }]) {
    const o = initFlow(config({ fixed: other }));
    t.false(asked(o).includes('servers'), JSON.stringify(other));
    t.deepEqual(currentAnswers(o).servers, []);
  }
});

test('servers from an answers file are offered in the list, and kept by Enter', (t) => {
  const prefill: Partial<Answers> = { servers: [DB1, 'db2=db2.example.com,10.0.0.6'], pki: 'ca-intermediate' };
  let s = enterUntil(initFlow(config({ prefill })), 'servers');
  t.deepEqual(items(s), prefill.servers);
  s = enterUntil(s, 'review');
  t.like(currentAnswers(s), { servers: prefill.servers, hosts: ['db1.example.com', '10.0.0.5'], pki: 'ca-intermediate' });
});

test('a file whose servers share a host is offered, and refused at continue until fixed', (t) => {
  const prefill: Partial<Answers> = { servers: [DB1, 'db2=db2.example.com,10.0.0.5'] };
  let s = enterUntil(initFlow(config({ prefill })), 'servers');
  s = run(s, next);
  t.is(at(s), 'servers');
  t.regex(s.error ?? '', /10\.0\.0\.5 is a host of both db1 and db2/);
  s = run(s, up, up, { type: 'remove' }, down, next); // remove db2
  t.is(at(s), 'port');
});
