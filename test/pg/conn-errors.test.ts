import test from 'ava';
import { AnswersError, UsageError } from '../../src/errors.js';
import { ConnectionError, exitCodeFor } from '../../src/pg/conn-errors.js';

test('the exit code says whose move it is: 2 fix the input, 1 the server or network', (t) => {
  t.is(exitCodeFor(new ConnectionError('auth-failed', 'password authentication failed for user "alice"')), 2);
  t.is(exitCodeFor(new ConnectionError('host-unknown', 'could not translate host name "db.invalid"')), 2);
  t.is(exitCodeFor(new ConnectionError('refused', 'connection refused')), 1);
  t.is(exitCodeFor(new AnswersError([{ field: 'days', message: 'must be a whole number' }])), 2);
  t.is(exitCodeFor(new UsageError('bad flag')), 2);
  t.is(exitCodeFor(new Error('disk full')), 1);
});
