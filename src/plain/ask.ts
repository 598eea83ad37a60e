/**
 * The plain prompt mode's questions: the same QUESTIONS as the wizard,
 * asked one after another with @inquirer/prompts (the only importer of it).
 * Each prompt takes the {input, output} streams, so tests drive it.
 */
import { confirm, input, select } from '@inquirer/prompts';
import { PassThrough } from 'node:stream';
import type { Answers } from '../answers/answers.js';
import { parseAnswerText, QUESTION_ORDER, QUESTIONS, type Question } from '../answers/questions.js';
import { checkValue, type FlowConfig, isDecided, resolveAll, showValue, SOURCE_NOTE } from '../wizard/resolve-flow.js';
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
    // select has no validate: a choice that clashes with a flag is said and asked again.
    for (;;) {
      const value = await select(
        {
          message: q.prompt,
          choices: q.choices.map((c) => ({ value: c.value as unknown, name: c.label, description: c.hint || undefined })),
          default: current,
        },
        promptContext(io),
      );
      const msg = problem(value);
      if (!msg) return value;
      say(io, `  ✘ ${msg}`);
    }
  }
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
