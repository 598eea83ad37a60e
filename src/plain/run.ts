/**
 * The plain prompt mode from first question to written bundle: questions,
 * the passwords note, the review as text, a confirmation, progress lines,
 * the summary. For terminals without raw mode, or by choice (--plain).
 */
import type { Answers } from '../answers/answers.js';
import { type PasswordsText, passwordsText, STEP_MARK } from '../wizard/passwords-text.js';
import type { FlowConfig } from '../wizard/resolve-flow.js';
import { reviewLines } from '../wizard/review-lines.js';
import { REVIEW_HELP } from '../wizard/steps.js';
import { chainLines, fileLines, type WizardSummary } from '../wizard/summary.js';
import { serverLines } from '../wizard/servers-text.js';
import { wrapText } from '../wrap.js';
import { CANCELLED_TEXT, type FrontEnd, type WizardServices } from '../wizard/front-end.js';
import { askAll, askYes, indent, isPromptExit, type PlainIo, say } from './ask.js';

/** The slow work, supplied by the command (the same as the wizard's). */
export type PlainServices = WizardServices;

/** How the plain run ended: declined at the confirmation, or written. */
export type PlainOutcome = { readonly kind: 'declined' } | { readonly kind: 'written'; readonly answers: Answers; readonly summary: WizardSummary };

/** The summary as text lines (also what the wizard leaves on screen, minus colour). */
export function summaryText(summary: WizardSummary): string {
  return [
    `Bundle written to ${summary.dir}/`,
    '',
    'Certificate chain (each is issued by the one above it):',
    ...chainLines(summary.chain, 78).map((l) => `  ${l}`),
    '',
    'Files (* private: mode 0600):',
    ...fileLines(summary.files, 78).map((l) => `  ${l}`),
    '',
    ...(summary.servers.length ? ['Servers, the primary first:', ...serverLines(summary.servers, false).map((l) => `  ${l}`), ''] : []),
    `Next, on ${summary.servers.length ? 'each server' : 'the server'} (README.md has every step):`,
    ...summary.commands.map((c) => `  ${c}`),
    ...summary.warnings.map((w) => `! ${w}`),
  ].join('\n');
}

/** The passwords step as text: the same rows, steps and help the wizard draws. */
export function passwordsLines(text: PasswordsText): string {
  const width = Math.max(...text.rows.map(([k]) => k.length)) + 2;
  const lines = [text.title, ...text.rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`)];
  if (text.server) {
    lines.push('');
    for (const step of text.server.steps) {
      lines.push(...wrapText(step.text, 76).map((l, i) => `  ${i === 0 ? STEP_MARK[step.state] : ' '} ${l}`));
      lines.push(...step.commands.map((c) => `      ${c}`));
    }
    lines.push(indent(text.server.pooler), '');
  }
  lines.push(indent(text.help), indent(text.more), `  Manual: ${text.manual}`);
  return lines.join('\n');
}

/**
 * Ask, review, write. ExitPromptError (Ctrl+C at a prompt) propagates: the
 * caller exits 130, and nothing has been written by then.
 */
export async function runPlain(config: FlowConfig, services: PlainServices, io: PlainIo = {}): Promise<PlainOutcome> {
  say(io, 'pg-secure-setup: TLS, client certificates and SCRAM for PostgreSQL. Enter accepts the value shown; Ctrl+C quits, writing nothing.');
  const answers = await askAll(config, io);
  say(io, `\n${passwordsLines(passwordsText(answers, config.server))}`);
  const plan = await services.makePlan(answers);
  say(io, `\nReview\n${indent(REVIEW_HELP.help)}\n  Manual: ${REVIEW_HELP.manual}\n\n` + reviewLines(plan).map((l) => l.text).join('\n'));
  if (!(await askYes(`Write the bundle to ${answers.out}?`, io))) {
    say(io, 'Nothing was written.');
    return { kind: 'declined' };
  }
  const total = plan.certificates.length;
  let made = 0;
  say(io, `Making ${total} RSA key${total === 1 ? '' : 's'} of ${answers.keyBits} bits…`);
  const summary = await services.write(answers, plan, (id) => {
    made += 1;
    say(io, `  key ${made}/${total} ${id}`);
  });
  say(io, '\n' + summaryText(summary));
  return { kind: 'written', answers, summary };
}

/** The plain prompts as a front end: Ctrl+C at a prompt and no at the confirmation both end as cancelled. */
export function plainFrontEnd(io: PlainIo = {}): FrontEnd {
  return {
    async run(config, services) {
      try {
        const outcome = await runPlain(config, services, io);
        return outcome.kind === 'declined' ? { kind: 'cancelled' } : outcome;
      } catch (err) {
        if (!isPromptExit(err)) throw err;
        say(io, `\n${CANCELLED_TEXT}`);
        return { kind: 'cancelled' };
      }
    },
  };
}
