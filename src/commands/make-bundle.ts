/** Answers -> plan -> key material -> bundle on disk: the steps every front end shares. */
import { access, rename, rm, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Answers } from '../answers/answers.js';
import { answersToJson } from '../answers/resolve.js';
import { materialize, type KeyProgress } from '../bundle/materialize.js';
import { loadTemplates } from '../bundle/templates.js';
import { checkTarget, writeBundle } from '../bundle/write.js';
import { UsageError } from '../errors.js';
import { TOOL_VERSION } from '../package-info.js';
import type { IssuedCert } from '../pki/index.js';
import { buildPlan, commandLine, type Plan, type ServerContext } from '../plan/plan.js';

export interface BundleResult {
  readonly plan: Plan;
  readonly dir: string;
  readonly issued: Map<string, IssuedCert>;
}

/** The plan for these answers, now, with what the server told us when it was asked. */
export async function planFor(answers: Answers, now = new Date(), server?: ServerContext): Promise<Plan> {
  return buildPlan(answers, { now, templates: await loadTemplates(), toolVersion: TOOL_VERSION, ...(server ? { server } : {}) });
}

export async function makeBundle(answers: Answers, opts: { force: boolean; onProgress?: KeyProgress | undefined; plan?: Plan; server?: ServerContext }): Promise<BundleResult> {
  await checkTarget(answers.out, opts.force); // fail before the slow part
  const plan = opts.plan ?? (await planFor(answers, new Date(), opts.server));
  const { files, issued } = await materialize(plan, opts.onProgress);
  const dir = await writeBundle(answers.out, files, { force: opts.force });
  return { plan, dir, issued };
}

/** Refuse to replace an existing answers file without `force` (checked before anything is written). */
export async function checkSaveTarget(path: string, force: boolean): Promise<void> {
  if (force) return;
  try {
    await access(path);
  } catch {
    return;
  }
  throw new UsageError(`--save-answers ${path}: file exists; pass --force to replace it`);
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
    'Next, on the server:',
    ...result.plan.commands.map((c) => `  cd ${shown} && ${commandLine(c)}`),
    `Read ${shown}/README.md for the manual steps and client connection strings.`,
    ...result.plan.warnings.map((w) => `Note: ${w}`),
  ];
  out.write(lines.join('\n') + '\n');
}
