/** Which front end a terminal gets: plain prompts whenever the Ink wizard could not read keys. */
import test from 'ava';
import { chooseFrontEnd } from '../../src/commands/wizard.js';

const stdin = (isTTY: boolean, setRawMode?: (on: boolean) => void) => ({ isTTY, setRawMode }) as unknown as NodeJS.ReadStream;
const stdout = (isTTY: boolean) => ({ isTTY }) as unknown as NodeJS.WriteStream;
const works = () => undefined;
const fails = () => {
  throw new Error('setRawMode EIO');
};

const cases: [string, NodeJS.ReadStream, NodeJS.WriteStream, boolean, ReturnType<typeof chooseFrontEnd>][] = [
  ['a terminal with raw mode gets the Ink wizard', stdin(true, works), stdout(true), false, 'ink'],
  ['--plain asks for plain prompts', stdin(true, works), stdout(true), true, 'plain'],
  ['no setRawMode: plain prompts', stdin(true), stdout(true), false, 'plain'],
  ['setRawMode that fails: plain prompts', stdin(true, fails), stdout(true), false, 'plain'],
  ['stdout piped: plain prompts', stdin(true, works), stdout(false), false, 'plain'],
  ['stdin not a terminal: nothing is asked', stdin(false, works), stdout(true), false, 'none'],
];
for (const [title, input, output, plain, expected] of cases) {
  test(title, (t) => {
    t.is(chooseFrontEnd(input, output, plain), expected);
  });
}
