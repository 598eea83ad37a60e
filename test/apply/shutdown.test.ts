/** Shutdown modes for a restart (18.5): fast by default, smart on request, immediate never. */
import test from 'ava';
import { UsageError } from '../../src/errors.js';
import { parseRestartMode, shutdownModesText } from '../../src/apply/shutdown.js';

test('fast by default; smart and fast accepted; immediate refused with the reason', (t) => {
  t.is(parseRestartMode(undefined), 'fast');
  t.is(parseRestartMode('smart'), 'smart');
  t.is(parseRestartMode('fast'), 'fast');
  const e = t.throws(() => parseRestartMode('immediate'), { instanceOf: UsageError });
  t.regex(e!.message, /crash recovery/);
  t.throws(() => parseRestartMode('SIGKILL'), { message: /must be smart or fast/ });
});

test('the explanation marks the chosen mode and says immediate is never used', (t) => {
  const text = shutdownModesText('smart');
  t.regex(text, /\* smart /);
  t.regex(text, / {2}fast /);
  t.regex(text, /immediate[^\n]*never uses it/);
  t.regex(shutdownModesText('fast'), /\* fast /);
});
