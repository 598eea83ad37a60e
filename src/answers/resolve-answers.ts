/**
 * The one order in which every front end fills an answer: a flag, then what
 * the server decides (its version), then what earlier answers leave as the
 * only value, then the user's answer, then the answers file, then what the
 * server suggests (the names on its certificate), then the question's
 * default. `generate` passes its flags and file together as `flags`; the
 * wizard and the plain prompts pass each layer apart.
 */
import type { Answers } from './answers.js';
import { type EnvFacts, QUESTION_ORDER, QUESTIONS, type Question } from './questions.js';

/** Where an answer came from. */
export type AnswerSource = 'flag' | 'server' | 'settled' | 'answered' | 'file' | 'suggested' | 'detected' | 'default';

/** The layers an answer can come from, strongest first (see the order above). */
export interface AnswerLayers {
  /** Answers given on the command line (for `generate`, its answers file too). */
  readonly flags?: Partial<Answers> | undefined;
  /** What a server said: `settled` keys are decided by it, its other answers only suggested. */
  readonly server?: { readonly answers: Partial<Answers>; readonly settled: readonly (keyof Answers)[] } | undefined;
  /** Answers the user has typed so far. */
  readonly answered?: Partial<Answers> | undefined;
  /** Answers from an --answers file that are offered, still asked. */
  readonly file?: Partial<Answers> | undefined;
}

/** Every answer, resolved in question order, with where each came from. Checks nothing. */
export function resolveAnswers(layers: AnswerLayers, env: EnvFacts): { values: Answers; sources: Record<keyof Answers, AnswerSource> } {
  const values: Partial<Answers> = {};
  const sources = {} as Record<keyof Answers, AnswerSource>;
  for (const key of QUESTION_ORDER) {
    const q = QUESTIONS[key] as Question;
    const fromServer = layers.server?.answers[key];
    const only = q.onlyValue?.(values, layers.flags ?? {});
    // A choice earlier answers no longer allow (self-signed once there are several servers) is passed over, not kept.
    const allowed = q.kind === 'choice' ? q.narrow?.(values)?.values : undefined;
    const fits = (v: unknown) => v !== undefined && (!allowed || (allowed as readonly unknown[]).includes(v));
    let value: unknown;
    let source: AnswerSource;
    if (layers.flags?.[key] !== undefined) {
      value = layers.flags[key];
      source = 'flag';
    } else if (fromServer !== undefined && layers.server!.settled.includes(key)) {
      value = fromServer;
      source = 'server';
    } else if (only !== undefined) {
      value = only;
      source = 'settled';
    } else if (fits(layers.answered?.[key])) {
      value = layers.answered![key];
      source = 'answered';
    } else if (fits(layers.file?.[key])) {
      value = layers.file![key];
      source = 'file';
    } else if (fits(fromServer)) {
      value = fromServer;
      source = 'suggested';
    } else {
      value = q.defaultValue(values, env);
      if (!fits(value)) value = allowed![0];
      source = key === 'pgVersion' && value === env.detectedPgVersion ? 'detected' : 'default';
    }
    (values as Record<string, unknown>)[key] = value;
    sources[key] = source;
  }
  return { values: values as Answers, sources };
}
