import test from 'ava';
import { wrapText } from '../src/wrap.js';

const PATH = '/etc/postgresql/15/main/conf.d/pg-secure-setup.conf';

test('lines break at spaces and keep paragraphs', (t) => {
  t.deepEqual(wrapText('one two three four\nfive', 10), ['one two', 'three four', 'five']);
});

test('a word longer than the line is split for help text, kept whole for a report to copy from', (t) => {
  t.deepEqual(wrapText(`edit ${PATH}`, 20), ['edit', PATH.slice(0, 20), PATH.slice(20, 40), PATH.slice(40)]);
  t.deepEqual(wrapText(`edit ${PATH} then reload`, 20, { keepWords: true }), ['edit', PATH, 'then reload']);
});
