/**
 * The plain prompt mode's questions: the same QUESTIONS as the wizard,
 * asked one after another with @inquirer/prompts (the only importer of it).
 * Each prompt takes the {input, output} streams, so tests drive it.
 */
import { confirm, input, select } from '@inquirer/prompts';
import { PassThrough } from 'node:stream';
import type { Answers } from '../answers/answers.js';
import { type ListQuestion, parseAnswerText, QUESTION_ORDER, QUESTIONS, type Question } from '../answers/questions.js';
import { checkValue, type FlowConfig, isDecided, offeredChoices, resolveAll, showValue, SOURCE_NOTE } from '../wizard/resolve-flow.js';
import { wrapText } from '../wrap.js';

/** Streams the prompts read and write; process.stdin / stdout when not given. */
export interface PlainIo {
  readonly input?: NodeJS.ReadableStream | undefined;
  readonly output?: NodeJS.WritableStream | undefined;
}

/** Did the user press Ctrl+C at a prompt? (@inquirer/core's ExitPromptError, matched by name.) */
export function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

/**
 * Prompts end the stream they write to when they finish; process.stdout
 * ignores that, another stream would close after the first question. So each
 * prompt writes to its own pass-through that feeds the real output.
 */
export function promptContext(io: PlainIo) {
  let output = io.output ?? process.stdout;
  if (io.output && io.output !== process.stdout) {
    const own = new PassThrough();
    own.pipe(io.output, { end: false });
    output = own;
  }
  return { input: io.input ?? process.stdin, output, clearPromptOnDone: false };
}

/** Help text wrapped for an 80-column terminal, indented by two. */
export function indent(text: string): string {
  return wrapText(text, 78).map((l) => `  ${l}`).join('\n');
}

export function say(io: PlainIo, text: string): void {
  (io.output ?? process.stdout).write(text + '\n');
}

/** Ask one question; resolves with a value that passed every check. */
async function askOne(config: FlowConfig, answers: Partial<Answers>, key: keyof Answers, current: unknown, io: PlainIo): Promise<unknown> {
  const q = QUESTIONS[key] as Question;
  const problem = (value: unknown) => checkValue(config, answers, key, value);
  if (q.kind === 'choice') {
    const offered = offeredChoices(config, answers, key);
    if (offered.why) say(io, `  ${offered.why}`);
    // select has no validate: a choice that clashes with a flag is said and asked again.
    for (;;) {
      const value = await select(
        {
          message: q.prompt,
          choices: offered.choices.map((c) => ({ value: c.value as unknown, name: c.label, description: c.hint || undefined })),
          default: current,
        },
        promptContext(io),
      );
      const msg = problem(value);
      if (!msg) return value;
      say(io, `  ✘ ${msg}`);
    }
  }
  if (q.kind === 'list' && q.wholeItems) return askEntries(config, answers, q, current as string[], io);
  const parse = (text: string): { value: unknown } | { error: string } => {
    try {
      return { value: parseAnswerText(key, text.trim()) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  const shown = Array.isArray(current) ? current.join(', ') : String(current);
  const text = await input(
    {
      message: q.kind === 'list' ? `${q.prompt} (separate entries with commas)` : q.prompt,
      default: shown,
      validate: (t) => {
        const parsed = parse(t === '' ? shown : t);
        if ('error' in parsed) return parsed.error;
        return problem(parsed.value) ?? true;
      },
    },
    promptContext(io),
  );
  const parsed = parse(text === '' ? shown : text);
  if ('error' in parsed) throw new Error(`internal: validated answer did not parse: ${parsed.error}`);
  return parsed.value;
}

/** What is wrong with `text` as the entry after `items`, or undefined. */
function entryProblem(q: ListQuestion<keyof Answers>, items: readonly string[], text: string): string | undefined {
  let entries: string[];
  try {
    entries = parseAnswerText(q.key, text) as string[];
  } catch (err) {
    return (err as Error).message;
  }
  for (const entry of entries) {
    const own = q.checkItem(entry);
    if (own) return own;
    if (items.includes(entry)) return `"${entry}" is already listed`;
  }
  if (items.length + entries.length > q.maxItems.count) return `at most ${q.maxItems.count} entries (${q.maxItems.why})`;
  return q.listProblems?.([...items, ...entries])[0];
}

/**
 * A list whose entries hold commas (servers: NAME=HOST,HOST) cannot be typed
 * on one comma-separated line: it is asked one entry at a time, Enter alone
 * ending it. Each entry is checked as the wizard checks it, the list as generate does.
 */
async function askEntries(config: FlowConfig, answers: Partial<Answers>, q: ListQuestion<keyof Answers>, current: readonly string[], io: PlainIo): Promise<string[]> {
  const whole = (items: readonly string[]) => checkValue(config, answers, q.key, [...items]);
  if (current.length > 0) {
    say(io, current.map((item, i) => `  ${i + 1}. ${item}`).join('\n'));
    const problem = whole(current);
    if (problem) say(io, `  ✘ ${problem}`);
    else if (await confirm({ message: `Keep ${current.length === 1 ? 'this one' : `these ${current.length}`}?`, default: true }, promptContext(io))) return [...current];
  }
  for (;;) {
    const items: string[] = [];
    for (;;) {
      const min = q.minItems(answers);
      const text = (await input(
        {
          message: items.length === 0 ? q.prompt : `Entry ${items.length + 1} (Enter alone: no more)`,
          validate: (t) => (t.trim() === '' ? (items.length < min ? `needs at least ${min}` : true) : (entryProblem(q, items, t.trim()) ?? true)),
        },
        promptContext(io),
      )).trim();
      if (text === '') break;
      items.push(...(parseAnswerText(q.key, text) as string[]));
    }
    const problem = whole(items);
    if (!problem) return items;
    say(io, `  ✘ ${problem}`);
  }
}

/** Ask every question the flags, the server and earlier answers leave open, in QUESTION_ORDER. */
export async function askAll(config: FlowConfig, io: PlainIo): Promise<Answers> {
  let answers: Partial<Answers> = {};
  for (const key of QUESTION_ORDER) {
    const { values, sources } = resolveAll(config, answers);
    const q = QUESTIONS[key] as Question;
    if (isDecided(sources[key])) {
      say(io, `${q.title}: ${showValue(key, values[key])} (${SOURCE_NOTE[sources[key]]})`);
      continue;
    }
    say(io, `\n${q.title}\n${indent(q.help)}\n  Manual: ${q.manual}`);
    const value = await askOne(config, answers, key, values[key], io);
    answers = { ...answers, [key]: value };
  }
  return resolveAll(config, answers).values;
}

/** Yes or no, Enter meaning yes. */
export function askYes(message: string, io: PlainIo): Promise<boolean> {
  return confirm({ message, default: true }, promptContext(io));
}
