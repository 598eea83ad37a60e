import test from 'ava';
import { modeText } from '../src/file-mode.js';

test('a mode reads as four octal digits, whatever else stat put in the number', (t) => {
  t.is(modeText(0o600), '0600');
  t.is(modeText(0o100640), '0640'); // a regular file's st_mode
  t.is(modeText(0o2750), '2750');
});
