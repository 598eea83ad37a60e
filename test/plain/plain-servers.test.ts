/**
 * The servers question in the plain prompts: one entry a prompt, Enter
 * alone to end, each entry checked as the wizard checks it; the review and
 * summary name each server; servers from an answers file are offered.
 */
import test from 'ava';
import type { Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import { planFor } from '../../src/commands/make-bundle.js';
import { type PlainServices, runPlain } from '../../src/plain/run.js';
import type { FlowConfig } from '../../src/wizard/resolve-flow.js';
import { buildSummary } from '../../src/wizard/summary.js';
import { CTRL_U, DOWN, ENTER, PROMPTS, StreamTerminal } from './stream-terminal.js';

const ENV = { hostname: 'db', fqdn: 'db.example.com', detectedPgVersion: 15 };
const config = (over: Partial<FlowConfig> = {}): FlowConfig => ({ env: ENV, fixed: {}, prefill: {}, ...over });

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

/** The prompts after the certificate question, to the confirmation. */
const REST = PROMPTS.slice(6);
const SERVERS_PROMPT = PROMPTS[2]!;
const DB1 = 'db1=db1.example.com,10.0.0.5';
const DB2 = 'db2=db2.example.com,10.0.0.6';

test('two servers one a prompt: a bad entry and a shared host are refused with the reason; hosts follow; only the CAs are offered; review and summary name each', async (t) => {
  const term = new StreamTerminal();
  const written: Answers[] = [];
  const done = runPlain(config(), services(written), term);
  await term.on(/\? Which PostgreSQL major version/, ENTER);
  await term.on(/\? Where should the bundle be written\?/, ENTER);
  await term.on(/Servers\n {2}Leave empty for one server\./);
  await term.on(SERVERS_PROMPT, ...'db1', ENTER);
  await term.on(/> "db1": give NAME=HOST\[,HOST\.\.\.\]/, CTRL_U, ...'db1=DB1.example.com.,10.0.0.5', ENTER);
  await term.on(/\? Entry 2 \(Enter alone: no more\)/, ...'db2=db2.example.com,10.0.0.5', ENTER);
  await term.on(/> 10\.0\.0\.5 is a host of both db1 and db2: a client dialling it could not tell/, CTRL_U, ...DB2, ENTER);
  await term.on(/\? Entry 3 \(Enter alone: no more\)/, ENTER);
  await term.on(/Server identity: db1\.example\.com, 10\.0\.0\.5 \(follows from the answers above\)/);
  await term.on(/\? TCP port clients connect to/, ENTER);
  const pki = await term.on(/\? How should certificates be made\?/);
  t.regex(pki, /Self-signed is not offered: several servers need one CA to sign their certificates\./);
  const choices = await term.on(/New CA \+ intermediate/, DOWN, ENTER);
  t.notRegex(choices, /Self-signed/, 'not among the choices');
  for (const prompt of REST) await term.on(prompt, ENTER);
  await done;
  t.like(written[0], { servers: [DB1, DB2], hosts: ['db1.example.com', '10.0.0.5'], pki: 'ca-intermediate' });
  t.deepEqual(written[0], completeAnswers({ servers: [DB1, DB2], pki: 'ca-intermediate' }, ENV), 'what generate makes of the same servers');
  const screen = term.screen;
  t.regex(screen, /Servers, the primary first: each installs its own files with apply --server NAME\n {2}db1 \(primary\) {2}db1\.example\.com, 10\.0\.0\.5 {2}→ servers\/db1\/ and server\/\n {4}sudo npx pg-secure-setup apply \. --server db1 -D \/var\/lib\/postgresql\/15\/main\n/);
  t.regex(screen, /\nServers, the primary first:\n {2}db1 \(primary\) [^\n]*\n {2}db2 {12}db2\.example\.com, 10\.0\.0\.6 {2}→ servers\/db2\/\n\nNext, on each server \(README\.md has every step\):\n {2}cd b\n {2}sudo npx pg-secure-setup apply \. --server db1 -D \S+\n {2}sudo npx pg-secure-setup apply \. --server db2 -D \S+\n/);
});

test('Enter alone at the first entry is one server: the hosts are asked, every certificate choice offered', async (t) => {
  const term = new StreamTerminal();
  const written: Answers[] = [];
  const done = runPlain(config(), services(written), term);
  await term.on(/\? Which PostgreSQL major version/, ENTER);
  await term.on(/\? Where should the bundle be written\?/, ENTER);
  await term.on(SERVERS_PROMPT, ENTER);
  await term.on(/\? Names and addresses clients use/, ENTER);
  await term.on(/\? TCP port clients connect to/, ENTER);
  const pki = await term.on(/\? How should certificates be made\?[\s\S]*Self-signed/, ENTER);
  t.notRegex(pki, /is not offered/);
  for (const prompt of REST) await term.on(prompt, ENTER);
  await done;
  t.deepEqual(written, [completeAnswers({}, ENV)]);
});

test('servers from an answers file are listed and kept with Enter; no starts the list again', async (t) => {
  for (const keep of [true, false]) {
    const term = new StreamTerminal();
    const written: Answers[] = [];
    const done = runPlain(config({ prefill: { servers: [DB1, DB2], pki: 'self-signed' } }), services(written), term);
    await term.on(/\? Which PostgreSQL major version/, ENTER);
  await term.on(/\? Where should the bundle be written\?/, ENTER);
    await term.on(/ {2}1\. db1=db1\.example\.com,10\.0\.0\.5\n {2}2\. db2=db2\.example\.com,10\.0\.0\.6\n/);
    if (keep) await term.on(/\? Keep these 2\?/, ENTER);
    else {
      await term.on(/\? Keep these 2\?/, 'n', ENTER);
      await term.on(SERVERS_PROMPT, ...'db9=db9.example.com', ENTER);
      await term.on(/\? Entry 2/, ENTER);
    }
    await term.on(/\? TCP port clients connect to/, ENTER);
    await term.on(/\? How should certificates be made\?/, ENTER);
    for (const prompt of REST) await term.on(prompt, ENTER);
    await done;
    const servers = keep ? [DB1, DB2] : ['db9=db9.example.com'];
    // The file's self-signed cannot stand beside servers: the CA is offered in its place.
    t.like(written[0], { servers, pki: 'ca' });
  }
});
