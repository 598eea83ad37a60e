/** The manage-or-new question, and the role to act on, as plain prompts. */
import { input, select } from '@inquirer/prompts';
import { MANAGE_CHOICES, type ManageChoice } from '../manage/menu.js';
import { checkAnswer } from '../answers/questions.js';
import { promptContext, type PlainIo } from './ask.js';

/** Ask what to do with the bundle at `dir`; for issue and revoke, also which role. */
export async function askManage(dir: string, roles: readonly string[], io: PlainIo = {}): Promise<{ choice: ManageChoice; role?: string }> {
  const choice = await select<ManageChoice>(
    { message: `${dir} holds a pg-secure-setup bundle. What now?`, choices: MANAGE_CHOICES.map((c) => ({ value: c.value, name: c.label })) },
    promptContext(io),
  );
  if (choice === 'revoke') {
    if (roles.length === 0) return { choice: 'status' };
    const role = await select<string>({ message: 'Whose certificate?', choices: roles.map((r) => ({ value: r, name: r })) }, promptContext(io));
    return { choice, role };
  }
  if (choice === 'issue') {
    const role = await input(
      { message: 'Role to issue a client certificate for (its CN):', validate: (v) => checkAnswer('clientUsers', [v.trim()], {})[0] ?? true },
      promptContext(io),
    );
    return { choice, role: role.trim() };
  }
  return { choice };
}
