/**
 * The wizard's flow without Ink: every step, back with Esc keeping answers,
 * validation with generate's checks, flags and settled questions skipped,
 * the review and writing states.
 */
import test from 'ava';
import type { Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import type { ServerPrefill } from '../../src/audit/prefill.js';
import { planFor } from '../../src/commands/make-bundle.js';
import { currentAnswers, type FlowAction, flowReducer, type FlowState, initFlow, stopsOf } from '../../src/ui/flow.js';
import { type FlowConfig, resolveAll } from '../../src/wizard/resolve-flow.js';
import { buildSummary } from '../../src/wizard/summary.js';

const ENV = { hostname: 'db', fqdn: 'db.example.com', detectedPgVersion: 15 };

function config(over: Partial<FlowConfig> = {}): FlowConfig {
  return { env: ENV, fixed: {}, prefill: {}, ...over };
}

const run = (state: FlowState, ...actions: FlowAction[]): FlowState => actions.reduce(flowReducer, state);
const next: FlowAction = { type: 'next' };
const back: FlowAction = { type: 'back' };
const down: FlowAction = { type: 'move', delta: 1 };
const up: FlowAction = { type: 'move', delta: -1 };
const type = (text: string): FlowAction => ({ type: 'edit', edit: { kind: 'insert', text } });
const clear: FlowAction[] = [{ type: 'edit', edit: { kind: 'end' } }, { type: 'edit', edit: { kind: 'clear-to-start' } }];

function at(state: FlowState): string {
  return state.stop.kind === 'question' ? state.stop.key : state.stop.kind;
}

/** Press Enter until `stop` is reached (at most 20 times). */
function enterUntil(state: FlowState, stop: string): FlowState {
  for (let i = 0; i < 20 && at(state) !== stop; i++) state = flowReducer(state, next);
  return state;
}

test('starts at the bundle directory when the server version was detected, else at the version', (t) => {
  t.is(at(initFlow(config())), 'out');
  t.is(at(initFlow(config({ env: { hostname: 'db' } }))), 'pgVersion');
  t.is(at(flowReducer(initFlow(config()), back)), 'pgVersion', 'Esc reaches the detected version');
});

test('Enter on every screen reaches the review with the answers generate would use', (t) => {
  let s = initFlow(config());
  const visited: string[] = [at(s)];
  while (at(s) !== 'review') {
    s = flowReducer(s, next);
    t.is(s.error, undefined, `no error at ${at(s)}`);
    visited.push(at(s));
  }
  t.deepEqual(visited, ['out', 'servers', 'hosts', 'port', 'pki', 'keyBits', 'days', 'minTls', 'refusePlaintext', 'networks', 'transport', 'clientCerts', 'clientUsers', 'replicationUser', 'passwords', 'review']);
  t.deepEqual(currentAnswers(s), completeAnswers({}, ENV));
});

test('Esc goes back one question at a time and keeps every answer', (t) => {
  let s = enterUntil(initFlow(config()), 'pki');
  s = run(s, down, next); // ca-intermediate
  t.is(at(s), 'keyBits');
  s = run(s, down, next, ...clear, type('30'), next); // 3072 bits, 30 days
  t.is(at(s), 'minTls');
  s = run(s, back, back, back);
  t.is(at(s), 'pki');
  t.deepEqual(s.draft, { kind: 'choice', index: 2 }, 'the chosen value is highlighted again');
  s = run(s, next, next);
  t.is(at(s), 'days');
  t.deepEqual(s.draft, { kind: 'text', line: { text: '30', cursor: 2 } });
  t.is(s.answers.keyBits, 3072);
});

test('Esc keeps a valid value that was not confirmed yet', (t) => {
  let s = enterUntil(initFlow(config()), 'keyBits');
  s = run(s, down, down, back);
  t.is(at(s), 'pki');
  t.is(s.answers.keyBits, 4096);
});

test('Esc at the first question stays there', (t) => {
  const s = run(initFlow(config({ env: {} })), back);
  t.is(at(s), 'pgVersion');
});

const textCases: [string, string, RegExp][] = [
  ['days', 'abc', /"abc" is not a whole number/],
  ['days', '0', /not a whole number of days from 1 to 3650/],
  ['days', '4000', /from 1 to 3650/],
  ['out', '   ', /must not be empty/],
];
for (const [key, text, message] of textCases) {
  test(`${key} "${text}" is refused inline with generate's message`, (t) => {
    let s = enterUntil(initFlow(config()), key);
    s = run(s, ...clear, type(text), next);
    t.is(at(s), key);
    t.regex(s.error ?? '', message);
    s = run(s, type('1'));
    t.is(s.error, undefined, 'typing clears the message');
  });
}

test('the bundle directory must be new or empty: the extra check is shown inline', (t) => {
  const s = run(initFlow(config({ extraCheck: (key, v) => (key === 'out' && v === 'taken' ? 'taken exists and is not empty' : undefined) })), ...clear, type('taken'), next);
  t.is(at(s), 'out');
  t.is(s.error, 'taken exists and is not empty');
});

test('hosts: add, refuse bad and duplicate entries, edit, remove, and require one', (t) => {
  let s = enterUntil(initFlow(config()), 'hosts');
  const items = () => (s.draft?.kind === 'list' ? s.draft.items : []);
  t.deepEqual(items(), ['db.example.com', 'db', 'localhost', '127.0.0.1', '::1']);
  s = run(s, up); // onto "add"
  s = run(s, type('bad host!'), next);
  t.regex(s.error ?? '', /not a valid host name/);
  s = run(s, ...clear, type('db2.example.com, 10.0.0.5'), next);
  t.is(s.error, undefined);
  t.deepEqual(items().slice(-2), ['db2.example.com', '10.0.0.5']);
  s = run(s, type('localhost'), next);
  t.is(s.error, '"localhost" is already listed');
  s = run(s, back); // Esc cancels the entry, not the step
  t.is(at(s), 'hosts');
  t.is(s.draft?.kind === 'list' && s.draft.editing, undefined);
  s = run(s, { type: 'move', delta: -99 }, next, ...clear, type('db1.example.com'), next); // edit the first
  t.is(items()[0], 'db1.example.com');
  s = run(s, { type: 'remove' });
  t.is(items()[0], 'db');
  s = run(s, next, ...clear, next); // an emptied entry is removed
  t.is(items()[0], 'localhost');
  while (items().length) s = run(s, { type: 'remove' });
  s = run(s, down, next); // "continue" with nothing
  t.is(at(s), 'hosts');
  t.regex(s.error ?? '', /needs at least 1 entry/);
});

test('self-signed settles client certificates: those questions are skipped, values none and []', (t) => {
  let s = enterUntil(initFlow(config()), 'pki');
  s = run(s, up, next); // self-signed
  s = enterUntil(s, 'passwords');
  t.false(stopsOf(s.config, s.answers).some((stop) => stop.kind === 'question' && (stop.key === 'clientCerts' || stop.key === 'clientUsers')));
  t.is(currentAnswers(s).clientCerts, 'none');
  t.deepEqual(currentAnswers(s).clientUsers, []);
  t.is(currentAnswers(s).replicationUser, '', 'no CA, no replication certificate: not asked');
  t.is(at(run(s, back)), 'transport');
});

test('client certificates "none" skips the roles question', (t) => {
  let s = enterUntil(initFlow(config()), 'clientCerts');
  s = run(s, { type: 'move', delta: -9 }, next);
  t.is(at(s), 'replicationUser');
  t.deepEqual(currentAnswers(s).clientUsers, []);
});

test('flags answer their questions: those are never asked', (t) => {
  const fixed: Partial<Answers> = { out: '/tmp/x', pki: 'ca-intermediate', keyBits: 3072, days: 90, hosts: ['a.example.com'], port: 6432 };
  const s = initFlow(config({ fixed }));
  const asked = stopsOf(s.config, {}).flatMap((stop) => (stop.kind === 'question' ? [stop.key] : []));
  t.deepEqual(asked, ['pgVersion', 'minTls', 'refusePlaintext', 'networks', 'transport', 'clientCerts', 'clientUsers', 'replicationUser']);
  t.is(at(s), 'minTls', 'step 1 to 3 are answered (the version was detected)');
  t.deepEqual(currentAnswers(enterUntil(s, 'review')), completeAnswers(fixed, ENV));
});

test('transport gssapi asks the realm (required, checked), the keytab, the service name and the maps; tls asks none of them', (t) => {
  let s = enterUntil(initFlow(config()), 'transport');
  s = run(s, down, next); // gssapi
  t.is(at(s), 'krbRealm');
  s = run(s, next);
  t.is(at(s), 'krbRealm', 'an empty realm is refused');
  t.regex(s.error ?? '', /needs the site's Kerberos realm/);
  s = run(s, type('EXAMPLE COM'), next);
  t.regex(s.error ?? '', /"EXAMPLE COM" is not a Kerberos realm/);
  s = run(s, ...clear, type('EXAMPLE.COM'), next);
  t.is(at(s), 'krbKeytab');
  s = run(s, next);
  t.regex(s.error ?? '', /needs the server's keytab for postgres\/HOST@EXAMPLE\.COM/);
  s = run(s, type('/etc/postgres.keytab'), next);
  t.is(at(s), 'krbSrvname');
  s = run(s, next);
  t.is(at(s), 'gssMaps');
  s = enterUntil(s, 'clientCerts');
  t.like(currentAnswers(s), { transport: 'gssapi', krbRealm: 'EXAMPLE.COM', krbKeytab: '/etc/postgres.keytab', krbSrvname: 'postgres', gssMaps: [] });
  s = enterUntil(run(enterUntil(run(s, back, back, back, back, back), 'transport'), up, next), 'clientCerts');
  t.like(currentAnswers(s), { transport: 'tls', krbRealm: '', krbKeytab: '', gssMaps: [] });
});

test('a replication role from the answers file is offered and kept; an empty answer means none', (t) => {
  let s = enterUntil(initFlow(config({ prefill: { replicationUser: 'replicator' } })), 'replicationUser');
  t.deepEqual(s.draft, { kind: 'text', line: { text: 'replicator', cursor: 10 } });
  t.is(currentAnswers(enterUntil(s, 'review')).replicationUser, 'replicator');
  s = run(s, ...clear, next);
  t.is(at(s), 'passwords');
  t.is(currentAnswers(s).replicationUser, '');
});

test('a choice that clashes with a flag is refused and the flag is named', (t) => {
  let s = initFlow(config({ fixed: { clientCerts: 'verify-full' } }));
  s = enterUntil(s, 'pki');
  s = run(s, up, next);
  t.is(at(s), 'pki');
  t.regex(s.error ?? '', /"verify-full" needs a CA.*--client-certs was given/);
});

test('answers from a file are offered first but still asked', (t) => {
  const s = enterUntil(initFlow(config({ prefill: { pki: 'self-signed', days: 30 } })), 'pki');
  t.deepEqual(s.draft, { kind: 'choice', index: 0 });
  t.is(currentAnswers(s).days, 30);
});

/** A server asked with --connect: PostgreSQL 14 (this machine has 15), a certificate naming two hosts. */
const SERVER: ServerPrefill = {
  answers: { pgVersion: 14, hosts: ['pg.internal', '10.0.0.5'], minTls: 'TLSv1.3' },
  settled: ['pgVersion'],
  md5Roles: ['legacy'],
  migration: 'reset-passwords',
  paths: { dataDirectory: '/srv/pg/data' },
};

test('a server that was asked settles its version like a flag; its other answers are offered and still asked', (t) => {
  const s = initFlow(config({ server: SERVER }));
  t.is(at(s), 'out');
  t.is(at(run(s, back)), 'out', 'Esc cannot reach a version the server decided (a detected one it can)');
  t.false(stopsOf(s.config, {}).some((stop) => stop.kind === 'question' && stop.key === 'pgVersion'));
  const { sources } = resolveAll(s.config, {});
  t.like(sources, { pgVersion: 'server', hosts: 'suggested', minTls: 'suggested', pki: 'default' });
  let h = enterUntil(s, 'hosts');
  t.deepEqual(h.draft, { kind: 'list', items: ['pg.internal', '10.0.0.5'], cursor: 3 });
  h = enterUntil(h, 'minTls');
  t.deepEqual(h.draft, { kind: 'choice', index: 1 }, 'TLSv1.3, as the server asks already');
  const end = enterUntil(h, 'review');
  t.like(currentAnswers(end), { pgVersion: 14, hosts: ['pg.internal', '10.0.0.5'], minTls: 'TLSv1.3' });
});

test('with a server, a flag still wins, and an answers file comes before its suggestions', (t) => {
  const s = initFlow(config({ server: SERVER, fixed: { hosts: ['a.example.com'] }, prefill: { minTls: 'TLSv1.2' } }));
  const { values, sources } = resolveAll(s.config, {});
  t.like(sources, { hosts: 'flag', minTls: 'file', pgVersion: 'server' });
  t.like(values, { hosts: ['a.example.com'], minTls: 'TLSv1.2' });
  t.like(resolveAll(config({ server: SERVER, fixed: { pgVersion: 14 } }), {}).sources, { pgVersion: 'flag' });
});

test('? shows and hides the longer help', (t) => {
  const s = run(initFlow(config()), { type: 'toggle-more' });
  t.true(s.more);
  t.false(run(s, { type: 'toggle-more' }).more);
});

test('review waits for the plan; writing runs, counts keys and ends; a failure goes back to a fresh review', async (t) => {
  let s = enterUntil(initFlow(config()), 'review');
  t.is(at(run(s, next)), 'review', 'no plan yet: Enter does nothing');
  const plan = await planFor(currentAnswers(s), new Date('2026-01-01T00:00:00Z'));
  s = run(s, { type: 'planned', plan }, { type: 'scroll', delta: 5, max: 3 });
  t.is(s.scroll, 3, 'scrolling stops at the end');
  s = run(s, next);
  t.is(at(s), 'writing');
  t.is(s.writing?.status, 'running');
  t.is(run(s, back), s, 'no going back while keys are made');
  const failed = run(s, { type: 'key-made', id: 'root' }, { type: 'write-failed', message: 'disk full' });
  t.deepEqual(failed.writing?.made, ['root']);
  const again = run(failed, back);
  t.is(at(again), 'review');
  t.is(again.plan, undefined, 'the plan is made again');
  const summary = buildSummary({ plan, dir: '/tmp/b', issued: new Map() }, '/tmp');
  const done = run(s, { type: 'written', summary });
  t.is(done.exit, 'written');
  t.is(done.writing?.summary, summary);
});

test('quit ends the flow from anywhere and nothing moves after it', (t) => {
  const s = run(initFlow(config()), next, { type: 'quit' });
  t.is(s.exit, 'cancelled');
  t.is(run(s, next, next), s);
});
