/** Printed commands paste into a shell as the arguments they were made from. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { shellQuote } from '../../src/plan/shell.js';
import { commandLine } from '../../src/plan/plan.js';

const run = promisify(execFile);

test('safe words stay bare, everything else is quoted', (t) => {
  t.is(shellQuote('/var/lib/postgresql/15/main'), '/var/lib/postgresql/15/main');
  t.is(shellQuote('a b'), "'a b'");
  t.is(shellQuote("it's"), "'it'\\''s'");
  t.is(shellQuote('~/bundle'), "'~/bundle'", 'no tilde expansion');
  t.is(shellQuote(''), "''");
  t.is(shellQuote('$(reboot)'), "'$(reboot)'");
  t.is(shellQuote('a\nb'), "$'a\\nb'", 'a newline stays on the printed line');
  t.false(shellQuote('x\n\ty\x01\'\\').includes('\n'));
});

test('bash reads each quoted argument back byte for byte', async (t) => {
  const args = ['plain', 'with space', "quote ' inside", 'new\nline', 'tab\tand\\back', '$HOME `id` "dq"', '*?[a]', '~', '-n', 'ctl\x01\x7f', 'ünïcødé', ''];
  const line = commandLine(['printf', '%s\\0', ...args]);
  t.false(line.includes('\n'), 'one line');
  const { stdout } = await run('bash', ['-c', line]);
  t.deepEqual(stdout.split('\0').slice(0, -1), args);
});
