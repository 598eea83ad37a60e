/**
 * Where the wizard's values come from, as pure functions of its state:
 * flags fix an answer (never asked), so does a server that was asked (its
 * version), an earlier answer may leave one value (not asked), else the
 * user's answer, else the answers file, else what the server suggests (the
 * names on its certificate), else the question's default. Used by the
 * reducer and the views alike.
 */
import type { Answers } from '../answers/answers.js';
import { checkAnswer, type Choice, crossCheck, type EnvFacts, QUESTION_ORDER, QUESTIONS, type Question } from '../answers/questions.js';
import type { ServerPrefill } from '../audit/prefill.js';
import { resolveAnswers, type AnswerSource } from '../answers/resolve-answers.js';

/** What the wizard starts from. */
export interface FlowConfig {
  readonly env: EnvFacts;
  /** `env` completed by facts looked up later (the host's FQDN): the lookup starts on the first call, each call gets the same promise, which never rejects. A front end has them before it acts on the first answer. */
  readonly envLater?: (() => Promise<EnvFacts>) | undefined;
  /** Answers given as flags: used as they are and not asked. */
  readonly fixed: Partial<Answers>;
  /** Answers from an --answers file: offered first, still asked. */
  readonly prefill: Partial<Answers>;
  /** A check beyond the question's own (the bundle directory must be empty); a message, or undefined when fine. */
  readonly extraCheck?: ((key: keyof Answers, value: unknown) => string | undefined) | undefined;
  /** What a server said (--connect): its settled answers are not asked, its other answers are offered; the passwords step shows its md5 roles. */
  readonly server?: ServerPrefill | undefined;
}

/** Why a question is or is not asked. */
export type Source = AnswerSource;

/** Where a value came from, as both front ends say it next to the value. */
export const SOURCE_NOTE: Readonly<Record<Source, string>> = {
  flag: 'set on the command line',
  server: 'reported by the server',
  settled: 'follows from the answers above',
  answered: '',
  file: 'from the answers file',
  suggested: 'from the server',
  detected: 'detected on this machine',
  default: 'default',
};

/** Sources whose questions are not asked. */
const NOT_ASKED: ReadonlySet<Source> = new Set(['flag', 'server', 'settled']);

/** Is this answer decided without asking (a flag, the server, or earlier answers)? */
export function isDecided(source: Source): boolean {
  return NOT_ASKED.has(source);
}

/** Every answer, resolved in question order, with where each came from. */
export function resolveAll(config: FlowConfig, answers: Partial<Answers>): { values: Answers; sources: Record<keyof Answers, Source> } {
  return resolveAnswers({ flags: config.fixed, server: config.server, answered: answers, file: config.prefill }, config.env);
}

/** The questions the user is asked, in order, given the answers so far. */
export function askedQuestions(config: FlowConfig, answers: Partial<Answers>): (keyof Answers)[] {
  const { sources } = resolveAll(config, answers);
  return QUESTION_ORDER.filter((key) => !isDecided(sources[key]));
}

/** The choices a question offers given the answers so far, and why some are left out (several servers: no self-signed). */
export function offeredChoices(config: FlowConfig, answers: Partial<Answers>, key: keyof Answers): { choices: readonly Choice<unknown>[]; why?: string | undefined } {
  const q = QUESTIONS[key] as Question;
  if (q.kind !== 'choice') return { choices: [] };
  const narrowed = q.narrow?.(resolveAll(config, answers).values);
  if (!narrowed) return { choices: q.choices };
  return { choices: q.choices.filter((c) => (narrowed.values as readonly unknown[]).includes(c.value)), why: narrowed.why };
}

/** How a value reads on one line. */
export function showValue(key: keyof Answers, value: unknown): string {
  const q = QUESTIONS[key] as Question;
  if (q.kind === 'choice') return q.choices.find((c) => c.value === value)?.label ?? String(value);
  if (Array.isArray(value)) return value.length ? value.join(', ') : q.kind === 'list' && q.emptyLabel ? q.emptyLabel : '(none)';
  if (q.kind === 'number' && key === 'days') return `${String(value)} days`;
  return String(value);
}

/**
 * What is wrong with `value` for `key`, given the other answers, as
 * `generate` would say it; undefined when fine. A clash with a flag names it.
 */
export function checkValue(config: FlowConfig, answers: Partial<Answers>, key: keyof Answers, value: unknown): string | undefined {
  const { values, sources } = resolveAll(config, { ...answers, [key]: value });
  const own = checkAnswer(key, value, values)[0] ?? config.extraCheck?.(key, value);
  if (own) return own;
  const clash = crossCheck(values).find((p) => p.field === key || sources[p.field] === 'flag');
  if (!clash) return undefined;
  return clash.field === key ? clash.message : `${clash.message} (--${QUESTIONS[clash.field].flag} was given on the command line)`;
}
