/**
 * Resolution order for every answer: flag given -> use it; answers file ->
 * use it; else the question's default. Then every answer is checked, and all
 * problems are reported together, each naming its field.
 */
import { ANSWER_KEYS, type Answers } from './answers.js';
import { checkAnswer, crossCheck, type EnvFacts, normalizeList, parseAnswerText, QUESTION_ORDER, QUESTIONS, type Question } from './questions.js';
import { parseCommandArgs, type Options } from '../args.js';
import { AnswersError, UsageError } from '../errors.js';
import { resolveAnswers } from './resolve-answers.js';
import { TRANSPORT_QUESTIONS } from './questions-transport.js';


/** parseArgs options for every answer's flag. */
export function answerFlagOptions(): Options {
  const options: Options = {};
  for (const key of QUESTION_ORDER) {
    const q = QUESTIONS[key];
    if (key === 'refusePlaintext') continue;
    options[q.flag] = { type: 'string', multiple: q.kind === 'list' };
  }
  options['refuse-plaintext'] = { type: 'boolean' };
  options['allow-plaintext'] = { type: 'boolean' };
  return options;
}

/** Help lines for the answer flags, generated from the questions. */
export function answerFlagHelp(): string {
  // The transport's flags have their own, longer help (GSS_HELP beside these).
  return QUESTION_ORDER.filter((key) => !(key in TRANSPORT_QUESTIONS)).map((key) => {
    const q = QUESTIONS[key];
    if (key === 'refusePlaintext') return '  --refuse-plaintext | --allow-plaintext\n      ' + q.prompt + ' (default: refuse)';
    const values = q.kind === 'choice' ? q.choices.map((c) => String(c.value)).join('|') : q.kind === 'list' ? 'VALUE (repeatable)' : q.kind === 'number' ? 'N' : 'VALUE';
    return `  --${q.flag} ${values}\n      ${q.prompt}`;
  }).join('\n');
}

/** Parse argv with the answer flags plus `extra` options; unknown flags are a usage error. */
export function parseFlags<T extends Options>(argv: string[], extra: T, allowPositionals = false) {
  return parseCommandArgs(argv, { ...answerFlagOptions(), ...extra }, allowPositionals);
}

/** The answers the parsed flags give (only those given). */
export function answersFromFlags(values: Record<string, unknown>): Partial<Answers> {
  const partial: Record<string, unknown> = {};
  const problems: { field: string; message: string }[] = [];
  for (const key of QUESTION_ORDER) {
    const q = QUESTIONS[key];
    if (key === 'refusePlaintext') continue;
    const raw = values[q.flag];
    if (raw === undefined) continue;
    try {
      partial[key] = Array.isArray(raw) ? raw.flatMap((r: string) => parseAnswerText(key, r) as string[]) : parseAnswerText(key, raw as string);
    } catch (err) {
      problems.push({ field: `--${q.flag}`, message: (err as Error).message });
    }
  }
  if (values['refuse-plaintext'] && values['allow-plaintext']) {
    problems.push({ field: '--allow-plaintext', message: 'cannot be combined with --refuse-plaintext' });
  } else if (values['refuse-plaintext']) partial.refusePlaintext = true;
  else if (values['allow-plaintext']) partial.refusePlaintext = false;
  if (problems.length) throw new AnswersError(problems);
  return partial as Partial<Answers>;
}

/** Parse the text of an answers file (JSON); unknown keys and wrong types are errors naming the key. */
export function answersFromJson(text: string, source: string): Partial<Answers> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`${source}: must hold a JSON object of answers`);
  }
  const problems: { field: string; message: string }[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!(ANSWER_KEYS as readonly string[]).includes(key)) {
      problems.push({ field: key, message: `unknown answer (known: ${ANSWER_KEYS.join(', ')})` });
      continue;
    }
    for (const message of checkAnswer(key as keyof Answers, value, {})) problems.push({ field: key, message });
  }
  if (problems.length) throw new AnswersError(problems.map((p) => ({ ...p, field: `${source}: ${p.field}` })));
  return normalized(data as Partial<Answers>);
}

/**
 * Fill every answer: `given` first (flags over file, merged by the caller),
 * then defaults in question order. Throws AnswersError naming each bad field.
 */
export function completeAnswers(given: Partial<Answers>, env: EnvFacts): Answers {
  const full = normalized(resolveAnswers({ flags: given }, env).values) as Answers;
  // Cross-field problems first: they explain the per-field ones they cause.
  const problems: { field: string; message: string }[] = Array.isArray(full.clientUsers) ? crossCheck(full) : [];
  for (const key of QUESTION_ORDER) {
    for (const message of checkAnswer(key, full[key], full)) problems.push({ field: key, message });
  }
  if (problems.length) throw new AnswersError(problems);
  return full;
}

const OPTIONAL_KEYS: ReadonlySet<keyof Answers> = new Set(['replicationUser', 'servers', 'krbRealm', 'krbKeytab', 'krbSrvname', 'gssMaps']);

/** Answers as saved to a file: stable key order, never a secret (Answers holds none). */
export function answersToJson(a: Answers): string {
  const ordered: Record<string, unknown> = {};
  // No standby, no key (nor for TLS alone, the default transport): answers files written before these answers stay as they were.
  for (const key of ANSWER_KEYS) if (!(OPTIONAL_KEYS.has(key) && !(a[key] as string | string[] | undefined)?.length) && !(key === 'transport' && (a[key] ?? 'tls') === 'tls')) ordered[key] = a[key];
  return JSON.stringify(ordered, null, 2) + '\n';
}

/** Lists with their items in their one spelling (hosts: no brackets, no trailing dot), so every later step sees the same value. */
function normalized(a: Partial<Answers>): Partial<Answers> {
  const out: Record<string, unknown> = { ...a };
  for (const key of QUESTION_ORDER) {
    const q = QUESTIONS[key] as Question;
    const value = out[key];
    if (q.kind === 'list' && Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = normalizeList(q, value);
  }
  return out as Partial<Answers>;
}
