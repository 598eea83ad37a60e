/** The wizard's first question before an existing bundle, driven through streams; and the wizard without a terminal. */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { askManage } from '../../src/plain/manage.js';
import { runCli } from '../helpers/cli.js';

const ENTER = '\r';
const DOWN = '\u001B[B';

/** Streams for the prompts; keys go in once the prompt they answer is drawn. */
function terminal() {
  const input = new PassThrough();
  let text = '';
  let seen = 0;
  const output = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      text += chunk.toString();
      done();
    },
  });
  const on = async (pattern: RegExp, ...keys: string[]) => {
    const end = Date.now() + 10_000;
    for (;;) {
      const fresh = stripVTControlCharacters(text).slice(seen);
      const m = pattern.exec(fresh);
      if (m) {
        seen += m.index + m[0].length;
        break;
      }
      if (Date.now() > end) throw new Error(`never saw ${pattern}; last output:\n${fresh.slice(-600)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const key of keys) {
      input.write(key);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { io: { input, output }, on };
}

test.serial('new server is the first choice; revoke lists the roles that hold a certificate', async (t) => {
  const a = terminal();
  const first = askManage('./b', ['alice'], a.io);
  await a.on(/holds a pg-secure-setup bundle\. What now\?/, ENTER);
  t.deepEqual(await first, { choice: 'new' });

  const b = terminal();
  const revoke = askManage('./b', ['alice', 'bob'], b.io);
  await b.on(/What now\?/, DOWN, DOWN, DOWN, ENTER);
  await b.on(/Whose certificate\?/, DOWN, ENTER);
  t.deepEqual(await revoke, { choice: 'revoke', role: 'bob' });
});

test.serial('issue asks for a role and refuses a bad name until a good one is typed', async (t) => {
  const term = terminal();
  const issue = askManage('./b', [], term.io);
  await term.on(/What now\?/, DOWN, DOWN, ENTER);
  await term.on(/Role to issue a client certificate for/, ...'pg_x', ENTER);
  await term.on(/names starting with pg_ are reserved/, '\u0015', ...'carol', ENTER);
  t.deepEqual(await issue, { choice: 'issue', role: 'carol' });
});

test.serial('without a terminal, wizard BUNDLE says which commands manage it; a directory that is no bundle is refused', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-manage-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const bundle = join(work, 'b');
  t.is((await runCli(['generate', '--out', bundle, '--host', 'localhost', '--pg-version', '15', '-q'])).code, 0);
  const r = await runCli(['wizard', bundle]);
  t.is(r.code, 2);
  t.regex(r.stderr, /no terminal to ask on .* Manage .* with: pg-secure-setup status\|issue\|revoke\|renew/);
  const none = await runCli(['wizard', work]);
  t.is(none.code, 2);
  t.regex(none.stderr, /not a bundle \(no answers\.json\); to make a new bundle there, give --out/);
});
