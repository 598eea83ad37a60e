/** What a server's facts answer for generate and the wizard: here, the port clients dial. */
import test from 'ava';
import { serverPrefill } from '../../src/audit/prefill.js';
import { cleanFacts } from './facts.js';

test('the port the server listens on is offered, not settled: a forwarded port may differ', (t) => {
  const pre = serverPrefill(cleanFacts({ port: 6543 }));
  t.is(pre.answers.port, 6543);
  t.false(pre.settled.includes('port'));
});

test('no port in the facts (files only): no port answer, the default stands', (t) => {
  t.false('port' in serverPrefill(cleanFacts()).answers);
});
