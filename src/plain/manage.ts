/** The manage-or-new question, and the role to act on, as plain prompts. */
import { input, select } from '@inquirer/prompts';
import { PassThrough } from 'node:stream';
import { MANAGE_CHOICES, type ManageChoice } from '../manage/menu.js';
import { checkAnswer } from '../answers/questions.js';
import type { PlainIo } from './ask.js';

/** A prompt ends the stream it writes to, so each gets its own pass-through into the real output (as in ask.ts). */
function ctx(io: PlainIo) {
  let output = io.output ?? process.stdout;
  if (io.output && io.output !== process.stdout) {
    const own = new PassThrough();
    own.pipe(io.output, { end: false });
    output = own;
  }
  return { input: io.input ?? process.stdin, output, clearPromptOnDone: false };
}

/** Ask what to do with the bundle at `dir`; for issue and revoke, also which role. */
export async function askManage(dir: string, roles: readonly string[], io: PlainIo = {}): Promise<{ choice: ManageChoice; role?: string }> {
  const choice = await select<ManageChoice>(
    { message: `${dir} holds a pg-secure-setup bundle. What now?`, choices: MANAGE_CHOICES.map((c) => ({ value: c.value, name: c.label })) },
    ctx(io),
  );
  if (choice === 'revoke') {
    if (roles.length === 0) return { choice: 'status' };
    const role = await select<string>({ message: 'Whose certificate?', choices: roles.map((r) => ({ value: r, name: r })) }, ctx(io));
    return { choice, role };
  }
  if (choice === 'issue') {
    const role = await input(
      { message: 'Role to issue a client certificate for (its CN):', validate: (v) => checkAnswer('clientUsers', [v.trim()], {})[0] ?? true },
      ctx(io),
    );
    return { choice, role: role.trim() };
  }
  return { choice };
}
