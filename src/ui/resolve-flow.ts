/**
 * Where the wizard's values come from, as pure functions of its state:
 * flags fix an answer (never asked), an earlier answer may leave one value
 * (not asked), else the user's answer, else the answers file, else the
 * question's default. Used by the reducer and the views alike.
 */
import type { Answers } from '../answers/answers.js';
import { checkAnswer, crossCheck, type EnvFacts, QUESTION_ORDER, QUESTIONS, type Question } from '../answers/questions.js';

/** What the wizard starts from. */
export interface FlowConfig {
  readonly env: EnvFacts;
  /** Answers given as flags: used as they are and not asked. */
  readonly fixed: Partial<Answers>;
  /** Answers from an --answers file: offered first, still asked. */
  readonly prefill: Partial<Answers>;
  /** A check beyond the question's own (the bundle directory must be empty); a message, or undefined when fine. */
  readonly extraCheck?: ((key: keyof Answers, value: unknown) => string | undefined) | undefined;
}

/** Why a question is or is not asked. */
export type Source = 'flag' | 'settled' | 'answered' | 'file' | 'detected' | 'default';

/** Every answer, resolved in question order, with where each came from. */
export function resolveAll(config: FlowConfig, answers: Partial<Answers>): { values: Answers; sources: Record<keyof Answers, Source> } {
  const values: Partial<Answers> = {};
  const sources = {} as Record<keyof Answers, Source>;
  for (const key of QUESTION_ORDER) {
    const q = QUESTIONS[key] as Question;
    let value: unknown;
    let source: Source;
    const only = q.onlyValue?.(values);
    if (config.fixed[key] !== undefined) {
      value = config.fixed[key];
      source = 'flag';
    } else if (only !== undefined) {
      value = only;
      source = 'settled';
    } else if (answers[key] !== undefined) {
      value = answers[key];
      source = 'answered';
    } else if (config.prefill[key] !== undefined) {
      value = config.prefill[key];
      source = 'file';
    } else {
      value = q.defaultValue(values, config.env);
      source = key === 'pgVersion' && value === config.env.detectedPgVersion ? 'detected' : 'default';
    }
    (values as Record<string, unknown>)[key] = value;
    sources[key] = source;
  }
  return { values: values as Answers, sources };
}

/** The questions the user is asked, in order, given the answers so far. */
export function askedQuestions(config: FlowConfig, answers: Partial<Answers>): (keyof Answers)[] {
  const { sources } = resolveAll(config, answers);
  return QUESTION_ORDER.filter((key) => sources[key] !== 'flag' && sources[key] !== 'settled');
}

/** How a value reads on one line. */
export function showValue(key: keyof Answers, value: unknown): string {
  const q = QUESTIONS[key] as Question;
  if (q.kind === 'choice') return q.choices.find((c) => c.value === value)?.label ?? String(value);
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
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
