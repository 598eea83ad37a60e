/**
 * Keys to flow actions. Only this file knows which key does what, so the
 * footer's key hints (hintsFor) and the behaviour cannot drift apart.
 */
import { type FlowAction, flowReducer, type FlowState } from './flow.js';

/** The parts of Ink's Key this map reads. */
export interface KeyInfo {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly tab?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
}

/** Is a line of text being typed (a text field or a list entry)? */
export function isTyping(state: FlowState): boolean {
  const d = state.draft;
  return state.stop.kind === 'question' && (d?.kind === 'text' || (d?.kind === 'list' && !!d.editing));
}

/** What the review window needs to scroll: how far it can go and a page's height. */
export interface ScrollInfo {
  readonly max: number;
  readonly page: number;
}

export function actionForKey(state: FlowState, input: string, key: KeyInfo, scroll: ScrollInfo = { max: 0, page: 10 }): FlowAction | undefined {
  if (key.ctrl && input === 'c') return { type: 'quit' };
  if (key.escape) return { type: 'back' };
  if (key.return) return { type: 'next' };
  if (state.stop.kind === 'review') {
    if (key.upArrow || key.downArrow) return { type: 'scroll', delta: key.upArrow ? -1 : 1, max: scroll.max };
    if (key.pageUp || key.pageDown || input === ' ') return { type: 'scroll', delta: key.pageUp ? -scroll.page : scroll.page, max: scroll.max };
    if (key.home || key.end) return { type: 'scroll', delta: key.home ? -Infinity : Infinity, max: scroll.max };
  }
  if (key.upArrow || key.downArrow) return { type: 'move', delta: key.upArrow ? -1 : 1 };
  if (input === '?' && !key.ctrl && !key.meta) return { type: 'toggle-more' };
  if (isTyping(state)) {
    if (key.backspace || key.delete) return { type: 'edit', edit: { kind: 'delete-back' } };
    if (key.leftArrow) return { type: 'edit', edit: { kind: 'left' } };
    if (key.rightArrow) return { type: 'edit', edit: { kind: 'right' } };
    if (key.home || (key.ctrl && input === 'a')) return { type: 'edit', edit: { kind: 'home' } };
    if (key.end || (key.ctrl && input === 'e')) return { type: 'edit', edit: { kind: 'end' } };
    if (key.ctrl && input === 'u') return { type: 'edit', edit: { kind: 'clear-to-start' } };
    if (!key.ctrl && !key.meta && !key.tab && input) return { type: 'edit', edit: { kind: 'insert', text: input } };
    return undefined;
  }
  if (state.draft?.kind === 'list') {
    if (key.backspace || key.delete) return { type: 'remove' };
    if (!key.ctrl && !key.meta && !key.tab && input) return { type: 'edit', edit: { kind: 'insert', text: input } };
  }
  return undefined;
}

/** The key hints for the footer, for the state as it is. */
export function hintsFor(state: FlowState): string {
  const quit = 'Ctrl+C quit';
  const { stop, draft } = state;
  switch (stop.kind) {
    case 'question':
      if (draft?.kind === 'choice') return `↑↓ choose · Enter next · Esc back · ? help · ${quit}`;
      if (draft?.kind === 'list') {
        if (draft.editing) return `type · Enter keep · Esc cancel · ${quit}`;
        if (draft.cursor === draft.items.length) return `type or Enter to add · ↑↓ move · Esc back · ? help · ${quit}`;
        if (draft.cursor < draft.items.length) return `Enter edit · Backspace remove · ↑↓ move · Esc back · ${quit}`;
        return `Enter next · ↑↓ edit the list · Esc back · ? help · ${quit}`;
      }
      return `type · Enter next · Esc back · ? help · ${quit}`;
    case 'passwords':
      return `Enter next · Esc back · ? help · ${quit}`;
    case 'review':
      return `Enter write the bundle · ↑↓ PgUp PgDn scroll · Esc back · ? help · ${quit}`;
    case 'writing':
      return state.writing?.status === 'failed' ? `Esc back · ? help · ${quit}` : `? help · ${quit}`;
  }
}

/** A key applied to the state: what the reducer does when the key's action runs. */
export function reduceKey(state: FlowState, input: string, key: KeyInfo, scroll?: ScrollInfo): FlowState {
  const action = actionForKey(state, input, key, scroll);
  return action ? flowReducer(state, action) : state;
}
