import test from 'ava';
import { completeAnswers } from '../../src/answers/resolve.js';
import { planHbaRules } from '../../src/plan/hba-rules.js';
import { formatRule } from '../../src/hba/index.js';

const lines = (given: Parameters<typeof completeAnswers>[0]) => planHbaRules(completeAnswers(given, {})).map((r) => formatRule(r.rule).replace(/\s+/g, ' '));

test('local admin first, then plaintext refused, then TLS rules per network, then replication', (t) => {
  t.deepEqual(lines({ networks: ['10.0.0.0/8', '::1/128'], clientCerts: 'verify-full' }), [
    'local all all peer',
    'hostnossl all all all reject',
    'hostnossl replication all all reject',
    'hostssl all all 10.0.0.0/8 scram-sha-256 clientcert=verify-full',
    'hostssl all all ::1/128 scram-sha-256 clientcert=verify-full',
    'hostssl replication all 10.0.0.0/8 scram-sha-256 clientcert=verify-full',
    'hostssl replication all ::1/128 scram-sha-256 clientcert=verify-full',
  ]);
});

test('each enforcement mode maps to its method and option', (t) => {
  t.is(lines({ clientCerts: 'none', networks: ['all'] })[3], 'hostssl all all all scram-sha-256');
  t.is(lines({ clientCerts: 'verify-ca', networks: ['all'] })[3], 'hostssl all all all scram-sha-256 clientcert=verify-ca');
  t.is(lines({ clientCerts: 'cert', networks: ['all'] })[3], 'hostssl all all all cert');
});

test('allowing plaintext drops only the reject rules', (t) => {
  t.false(lines({ refusePlaintext: false }).some((l) => l.startsWith('hostnossl')));
});
