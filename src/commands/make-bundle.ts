/** Answers -> plan -> key material -> bundle on disk: the steps every front end shares. */
import { constants } from 'node:fs';
import { access, lstat, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { Answers } from '../answers/answers.js';
import { answersToJson } from '../answers/resolve.js';
import { materialize, type BundleSecrets, type KeyProgress } from '../bundle/materialize.js';
import { loadTemplates } from '../bundle/templates.js';
import { checkTarget, writeBundle } from '../bundle/write.js';
import { UsageError } from '../errors.js';
import { TOOL_VERSION } from '../package-info.js';
import type { IssuedCert } from '../pki/index.js';
import { buildPlan, commandLine, type Plan, type PlanContext, type ServerContext } from '../plan/plan.js';

/** What generate's own flags add to a plan (a protected key, GSSAPI). */
export type PlanExtras = Pick<PlanContext, 'keyPassphraseCommand' | 'gss'>;

export interface BundleResult {
  readonly plan: Plan;
  readonly dir: string;
  readonly issued: Map<string, IssuedCert>;
}

/** The plan for these answers, now, with what the server told us when it was asked. */
export async function planFor(answers: Answers, now = new Date(), server?: ServerContext, extras: PlanExtras = {}): Promise<Plan> {
  return buildPlan(answers, { now, templates: await loadTemplates(), toolVersion: TOOL_VERSION, ...(server ? { server } : {}), ...extras });
}

export async function makeBundle(
  answers: Answers,
  opts: { force: boolean; onProgress?: KeyProgress | undefined; plan?: Plan; server?: ServerContext; extras?: PlanExtras; secrets?: BundleSecrets },
): Promise<BundleResult> {
  await checkTarget(answers.out, opts.force); // fail before the slow part
  const plan = opts.plan ?? (await planFor(answers, new Date(), opts.server, opts.extras));
  const { files, issued } = await materialize(plan, opts.onProgress, opts.secrets);
  const dir = await writeBundle(answers.out, files, { force: opts.force });
  return { plan, dir, issued };
}

/**
 * Check before anything is written that the answers file can be written:
 * its directory exists and is writable, and an existing file is replaced
 * only with `force` (and only when it is a file).
 */
export async function checkSaveTarget(path: string, force: boolean): Promise<void> {
  const fail = (why: string) => new UsageError(`--save-answers ${path}: ${why}; nothing was written`);
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(`cannot be used (${(err as NodeJS.ErrnoException).code})`);
  }
  if (st && !st.isFile()) throw fail('exists and is not a regular file');
  if (st && !force) throw fail('file exists; pass --force to replace it');
  const dir = dirname(resolve(path));
  try {
    if (!(await stat(dir)).isDirectory()) throw fail(`${dir} is not a directory`);
    // The file is written as a temporary beside it and renamed: the directory must take new files.
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? `the directory ${dir} does not exist` : `cannot write in ${dir} (${code ?? (err as Error).message})`);
  }
}

/** Write the answers file atomically (temporary file, then rename). */
export async function saveAnswers(path: string, answers: Answers): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, answersToJson(answers), { flag: 'wx', mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new UsageError(`--save-answers ${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** What was written and what to do next, for a terminal. */
export function printSummary(result: BundleResult, out: NodeJS.WritableStream): void {
  const shown = relative(process.cwd(), result.dir) || '.';
  const lines = [
    `Bundle written to ${shown}/`,
    ...result.plan.files.map((f) => `  ${f.mode.toString(8).padStart(4, '0')}  ${f.path}`),
    '',
    result.plan.commands.length > 1 ? 'Next, on each server, its own line:' : 'Next, on the server:',
    // Quoted: a path with a space or a newline must paste as one argument.
    ...result.plan.commands.map((c) => `  ${commandLine(['cd', shown])} && ${commandLine(c)}`),
    `Read ${commandLine([`${shown}/README.md`])} for the manual steps and client connection strings.`,
    ...result.plan.warnings.map((w) => `Note: ${w}`),
  ];
  out.write(lines.join('\n') + '\n');
}
