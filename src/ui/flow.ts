/**
 * The wizard's flow as a reducer: which question or screen is shown, what is
 * typed, what the user answered (kept when going back), and the progress of
 * writing. Keys become actions in keymap.ts; views only draw this state.
 * Every check is the one `generate` uses (answers/questions.ts).
 */
import type { Answers } from '../answers/answers.js';
import { parseAnswerText, QUESTIONS, type Question } from '../answers/questions.js';
import type { Plan } from '../plan/plan.js';
import { editLine, lineOf, type Line, type LineEdit } from './line-edit.js';
import { askedQuestions, checkValue, type FlowConfig, offeredChoices, resolveAll } from '../wizard/resolve-flow.js';
import type { WizardSummary } from '../wizard/summary.js';

/** Where the wizard stands. */
export type Stop =
  | { readonly kind: 'question'; readonly key: keyof Answers }
  | { readonly kind: 'passwords' }
  | { readonly kind: 'review' }
  | { readonly kind: 'writing' };

/** The focused question's value while it is being chosen or typed. */
export type Draft =
  | { readonly kind: 'choice'; readonly index: number }
  | { readonly kind: 'text'; readonly line: Line }
  /** `cursor`: an entry, then items.length = "add", items.length + 1 = "done". `editing.index` = items.length for a new entry. */
  | { readonly kind: 'list'; readonly items: readonly string[]; readonly cursor: number; readonly editing?: { readonly index: number; readonly line: Line } | undefined };

export interface WritingState {
  readonly status: 'running' | 'done' | 'failed';
  /** Ids of certificates whose keys are made. */
  readonly made: readonly string[];
  readonly error?: string | undefined;
  readonly summary?: WizardSummary | undefined;
}

export interface FlowState {
  readonly config: FlowConfig;
  /** What the user confirmed; kept when going back. */
  readonly answers: Partial<Answers>;
  readonly stop: Stop;
  readonly draft?: Draft | undefined;
  /** The problem with the last Enter, shown under the field. */
  readonly error?: string | undefined;
  /** Whether the longer help is shown. */
  readonly more: boolean;
  readonly plan?: Plan | undefined;
  readonly planError?: string | undefined;
  readonly scroll: number;
  readonly writing?: WritingState | undefined;
  /** Set when the wizard is over. */
  readonly exit?: 'cancelled' | 'written' | undefined;
}

export type FlowAction =
  | { readonly type: 'next' }
  | { readonly type: 'back' }
  | { readonly type: 'move'; readonly delta: number }
  | { readonly type: 'scroll'; readonly delta: number; readonly max: number }
  | { readonly type: 'edit'; readonly edit: LineEdit }
  | { readonly type: 'remove' }
  | { readonly type: 'toggle-more' }
  | { readonly type: 'planned'; readonly plan: Plan }
  | { readonly type: 'plan-failed'; readonly message: string }
  | { readonly type: 'key-made'; readonly id: string }
  | { readonly type: 'written'; readonly summary: WizardSummary }
  | { readonly type: 'write-failed'; readonly message: string }
  | { readonly type: 'quit' };

/** The stops in order for the current answers (later questions may be settled by earlier ones). */
export function stopsOf(config: FlowConfig, answers: Partial<Answers>): Stop[] {
  return [...askedQuestions(config, answers).map((key): Stop => ({ kind: 'question', key })), { kind: 'passwords' }, { kind: 'review' }, { kind: 'writing' }];
}

function sameStop(a: Stop, b: Stop): boolean {
  return a.kind === b.kind && (a.kind !== 'question' || (b.kind === 'question' && a.key === b.key));
}

function draftFor(state: Pick<FlowState, 'config' | 'answers'>, stop: Stop): Draft | undefined {
  if (stop.kind !== 'question') return undefined;
  const q = QUESTIONS[stop.key] as Question;
  const value = resolveAll(state.config, state.answers).values[stop.key];
  switch (q.kind) {
    case 'choice':
      return { kind: 'choice', index: Math.max(0, offeredChoices(state.config, state.answers, stop.key).choices.findIndex((c) => c.value === value)) };
    case 'list': {
      const items = [...(value as string[])];
      return { kind: 'list', items, cursor: items.length + 1 };
    }
    default:
      return { kind: 'text', line: lineOf(String(value)) };
  }
}

function goTo(state: FlowState, stop: Stop): FlowState {
  const base = { ...state, stop, error: undefined, scroll: 0 };
  return { ...base, draft: draftFor(base, stop), plan: stop.kind === 'review' || stop.kind === 'writing' ? state.plan : undefined, planError: undefined };
}

/** The first screen: the first question asked, skipping a server version found on this machine. */
export function initFlow(config: FlowConfig): FlowState {
  const empty: FlowState = { config, answers: {}, stop: { kind: 'passwords' }, more: false, scroll: 0 };
  const stops = stopsOf(config, {});
  const { sources } = resolveAll(config, {});
  const first = stops.find((s) => !(s.kind === 'question' && s.key === 'pgVersion' && sources.pgVersion === 'detected')) ?? stops[0]!;
  return goTo(empty, first);
}

/** The value the draft stands for, or a message saying what is wrong with it. */
function draftValue(state: FlowState, key: keyof Answers, draft: Draft): { value: unknown } | { error: string } {
  const q = QUESTIONS[key] as Question;
  if (draft.kind === 'choice' && q.kind === 'choice') return { value: offeredChoices(state.config, state.answers, key).choices[draft.index]!.value };
  if (draft.kind === 'list') return { value: [...draft.items] };
  if (draft.kind === 'text') {
    try {
      return { value: parseAnswerText(key, draft.line.text.trim()) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  throw new Error(`internal: draft ${draft.kind} for question ${key}`);
}

function problemWith(state: FlowState, key: keyof Answers, value: unknown): string | undefined {
  return checkValue(state.config, state.answers, key, value);
}

/** Confirm the focused question and move on, or say what is wrong. */
function confirm(state: FlowState, key: keyof Answers, draft: Draft): FlowState {
  const parsed = draftValue(state, key, draft);
  if ('error' in parsed) return { ...state, error: parsed.error };
  const problem = problemWith(state, key, parsed.value);
  if (problem) return { ...state, error: problem };
  const answers = { ...state.answers, [key]: parsed.value };
  const stops = stopsOf(state.config, answers);
  const at = stops.findIndex((s) => sameStop(s, state.stop));
  return goTo({ ...state, answers }, stops[at + 1]!);
}

/** Enter on a list: edit the entry under the cursor, add one, or accept the list. */
function listNext(state: FlowState, key: keyof Answers, draft: Extract<Draft, { kind: 'list' }>): FlowState {
  const { items, cursor, editing } = draft;
  if (!editing) {
    if (cursor === items.length + 1) return confirm(state, key, draft);
    return { ...state, error: undefined, draft: { ...draft, editing: { index: cursor, line: lineOf(items[cursor] ?? '') } } };
  }
  const text = editing.line.text.trim();
  const isNew = editing.index === items.length;
  if (!text) {
    // An emptied entry is removed; an empty new one is dropped.
    const left = isNew ? [...items] : items.filter((_, i) => i !== editing.index);
    return { ...state, error: undefined, draft: { kind: 'list', items: left, cursor: Math.min(editing.index, left.length) } };
  }
  const entries = parseAnswerText(key, text) as string[];
  const q = QUESTIONS[key] as Question;
  for (const entry of entries) {
    const problem = q.kind === 'list' ? q.checkItem(entry) : undefined;
    if (problem) return { ...state, error: problem };
    if (items.some((item, i) => item === entry && i !== editing.index)) return { ...state, error: `"${entry}" is already listed` };
    if (entries.indexOf(entry) !== entries.lastIndexOf(entry)) return { ...state, error: `"${entry}" is typed twice` };
  }
  const next = [...items];
  next.splice(editing.index, isNew ? 0 : 1, ...entries);
  // Problems between entries (two servers sharing a host) refuse the entry that makes them, while it is still on screen.
  const between = q.kind === 'list' ? q.listProblems?.(next)[0] : undefined;
  if (between) return { ...state, error: between };
  // After adding, stay on "add" so the next entry is one Enter away.
  return { ...state, error: undefined, draft: { kind: 'list', items: next, cursor: isNew ? next.length : editing.index } };
}

function next(state: FlowState): FlowState {
  const { stop, draft } = state;
  switch (stop.kind) {
    case 'question':
      if (!draft) return state;
      return draft.kind === 'list' ? listNext(state, stop.key, draft) : confirm(state, stop.key, draft);
    case 'passwords':
      return goTo(state, { kind: 'review' });
    case 'review':
      if (!state.plan) return state;
      return { ...goTo(state, { kind: 'writing' }), writing: { status: 'running', made: [] } };
    case 'writing':
      return state;
  }
}

function back(state: FlowState): FlowState {
  const { stop, draft } = state;
  if (draft?.kind === 'list' && draft.editing) return { ...state, error: undefined, draft: { ...draft, editing: undefined } };
  if (stop.kind === 'writing') {
    if (state.writing?.status !== 'failed') return state;
    return { ...goTo(state, { kind: 'review' }), plan: undefined, writing: undefined };
  }
  let answers = state.answers;
  if (stop.kind === 'question' && draft) {
    // Keep what is on screen if it is valid: going back should not lose it.
    const parsed = draftValue(state, stop.key, draft);
    if ('value' in parsed && !problemWith(state, stop.key, parsed.value)) answers = { ...answers, [stop.key]: parsed.value };
  }
  const stops = stopsOf(state.config, answers);
  const at = stops.findIndex((s) => sameStop(s, stop));
  if (at <= 0) return { ...state, error: undefined };
  return goTo({ ...state, answers }, stops[at - 1]!);
}

function move(state: FlowState, delta: number): FlowState {
  const { draft, stop } = state;
  if (stop.kind !== 'question' || !draft) return state;
  if (draft.kind === 'choice') {
    const count = offeredChoices(state.config, state.answers, stop.key).choices.length;
    return { ...state, error: undefined, draft: { kind: 'choice', index: Math.min(count - 1, Math.max(0, draft.index + delta)) } };
  }
  if (draft.kind === 'list' && !draft.editing) {
    return { ...state, error: undefined, draft: { ...draft, cursor: Math.min(draft.items.length + 1, Math.max(0, draft.cursor + delta)) } };
  }
  return state;
}

function edit(state: FlowState, change: LineEdit): FlowState {
  const { draft } = state;
  if (draft?.kind === 'text') return { ...state, error: undefined, draft: { kind: 'text', line: editLine(draft.line, change) } };
  if (draft?.kind === 'list') {
    if (draft.editing) return { ...state, error: undefined, draft: { ...draft, editing: { ...draft.editing, line: editLine(draft.editing.line, change) } } };
    // Typing on "add" starts a new entry.
    if (change.kind === 'insert' && draft.cursor === draft.items.length) {
      return { ...state, error: undefined, draft: { ...draft, editing: { index: draft.items.length, line: editLine(lineOf(''), change) } } };
    }
  }
  return state;
}

function remove(state: FlowState): FlowState {
  const { draft } = state;
  if (draft?.kind !== 'list' || draft.editing || draft.cursor >= draft.items.length) return state;
  const items = draft.items.filter((_, i) => i !== draft.cursor);
  return { ...state, error: undefined, draft: { kind: 'list', items, cursor: Math.min(draft.cursor, items.length) } };
}

export function flowReducer(state: FlowState, action: FlowAction): FlowState {
  if (state.exit) return state;
  switch (action.type) {
    case 'next':
      return next(state);
    case 'back':
      return back(state);
    case 'move':
      return move(state, action.delta);
    case 'scroll':
      return state.stop.kind === 'review' ? { ...state, scroll: Math.max(0, Math.min(action.max, state.scroll + action.delta)) } : state;
    case 'edit':
      return edit(state, action.edit);
    case 'remove':
      return remove(state);
    case 'toggle-more':
      return { ...state, more: !state.more };
    case 'planned':
      return state.stop.kind === 'review' ? { ...state, plan: action.plan, planError: undefined } : state;
    case 'plan-failed':
      return state.stop.kind === 'review' ? { ...state, planError: action.message } : state;
    case 'key-made':
      return state.writing ? { ...state, writing: { ...state.writing, made: [...state.writing.made, action.id] } } : state;
    case 'written':
      return state.writing ? { ...state, writing: { ...state.writing, status: 'done', summary: action.summary }, exit: 'written' } : state;
    case 'write-failed':
      return state.writing ? { ...state, writing: { ...state.writing, status: 'failed', error: action.message } } : state;
    case 'quit':
      return { ...state, exit: 'cancelled' };
  }
}

/** The answers as they stand (flags, settled values, answers, file, defaults). */
export function currentAnswers(state: FlowState): Answers {
  return resolveAll(state.config, state.answers).values;
}
