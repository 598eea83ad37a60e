import test from 'ava';
import { ANSWER_KEYS, type Answers } from '../../src/answers/answers.js';
import { completeAnswers } from '../../src/answers/resolve.js';
import { resolveAnswers } from '../../src/answers/resolve-answers.js';

const ENV = { hostname: 'db1', fqdn: 'db1.example.com', detectedPgVersion: 16 };
const SERVER = { answers: { pgVersion: 15, hosts: ['db.example.com'] } as Partial<Answers>, settled: ['pgVersion'] as const };

test('each layer wins over the ones after it: flag, server, settled, answered, file, suggested, default', (t) => {
  const { values, sources } = resolveAnswers(
    {
      flags: { days: 30 },
      server: SERVER,
      answered: { pgVersion: 13, pki: 'self-signed', clientCerts: 'verify-full', keyBits: 4096 },
      file: { keyBits: 3072, minTls: 'TLSv1.3', hosts: ['from.file'] },
    },
    ENV,
  );
  t.like(values, { days: 30, pgVersion: 15, clientCerts: 'none', keyBits: 4096, minTls: 'TLSv1.3', hosts: ['from.file'], out: './pg-secure-setup' });
  t.like(sources, { days: 'flag', pgVersion: 'server', clientCerts: 'settled', keyBits: 'answered', minTls: 'file', hosts: 'file', out: 'default' });
});

test('the server only suggests what it does not settle; a detected version is said to be detected', (t) => {
  const { values, sources } = resolveAnswers({ server: SERVER }, ENV);
  t.deepEqual(values.hosts, ['db.example.com']);
  t.is(sources.hosts, 'suggested');
  t.like(resolveAnswers({}, ENV), { values: { pgVersion: 16 }, sources: { pgVersion: 'detected' } });
});

test('a flag beats even what the server settles (the command checks that clash before)', (t) => {
  t.like(resolveAnswers({ flags: { pgVersion: 14 }, server: SERVER }, ENV).sources, { pgVersion: 'flag' });
});

test('generate and the wizard fill answers alike: completeAnswers is the flags layer, checked', (t) => {
  const given: Partial<Answers> = { pki: 'ca-intermediate', clientUsers: ['alice'] };
  const { values, sources } = resolveAnswers({ flags: given }, ENV);
  t.deepEqual(completeAnswers(given, ENV), values);
  t.deepEqual(Object.keys(sources).sort(), [...ANSWER_KEYS].sort());
});
