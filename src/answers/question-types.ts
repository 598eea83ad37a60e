/**
 * The shape of a question (values, default, help, manual section), apart
 * from the definitions so that those can sit in more than one file.
 */
import type { Answers } from './answers.js';

/** Facts about the machine the tool runs on, used for defaults. */
export interface EnvFacts {
  /** os.hostname() */
  hostname?: string;
  /** Fully qualified name, when known and different. */
  fqdn?: string;
  /** Major version from pg_config / postgres --version, when found. */
  detectedPgVersion?: number;
}

/** A choice among fixed values. */
export interface Choice<V> {
  readonly value: V;
  readonly label: string;
  /** One line on what this value means. */
  readonly hint: string;
}

interface QuestionBase<K extends keyof Answers> {
  readonly key: K;
  /** Long flag name, without dashes. */
  readonly flag: string;
  /** Short title for a step or a prompt. */
  readonly title: string;
  /** The question as asked. */
  readonly prompt: string;
  /** Two or three lines: what the choice means and its trade-off. */
  readonly help: string;
  /** Longer help for those who ask (the wizard's `?` key): background, examples, what to check. */
  readonly more: string;
  /** The PostgreSQL manual section the rule comes from. */
  readonly manual: string;
  /** The value when nobody answers; may depend on earlier answers. */
  readonly defaultValue: (partial: Partial<Answers>, env: EnvFacts) => Answers[K];
  /**
   * The one value earlier answers leave, when they leave only one; front ends
   * then do not ask (self-signed certificates leave no client certificates).
   * `fixed` holds the answers given as flags, later questions' too.
   */
  readonly onlyValue?: (partial: Partial<Answers>, fixed: Partial<Answers>) => Answers[K] | undefined;
}

export interface ChoiceQuestion<K extends keyof Answers> extends QuestionBase<K> {
  readonly kind: 'choice';
  readonly choices: readonly Choice<Answers[K]>[];
  /** The values earlier answers still allow, and one line on why the others are not offered; undefined: every choice. */
  readonly narrow?: (partial: Partial<Answers>) => { readonly values: readonly Answers[K][]; readonly why: string } | undefined;
}
export interface ListQuestion<K extends keyof Answers> extends QuestionBase<K> {
  readonly kind: 'list';
  /** Checks one item. */
  readonly checkItem: (item: string) => string | undefined;
  /** Whether the list may be empty given the other answers. */
  readonly minItems: (partial: Partial<Answers>) => number;
  /** The most entries the list may hold, and why. */
  readonly maxItems: { readonly count: number; readonly why: string };
  /** The one spelling of an item checkItem accepted; duplicates are found among these. */
  readonly normalizeItem?: (item: string) => string;
  /** Each flag value is one item, commas and all (NAME=HOST,HOST). */
  readonly wholeItems?: boolean;
  /** What an empty list means, shown in its place (servers: "one server"); "(none)" when not given. */
  readonly emptyLabel?: string;
  /** Problems between the items (not with one alone); front ends refuse an entry that makes one. */
  readonly listProblems?: (items: readonly string[]) => string[];
}
export interface TextQuestion<K extends keyof Answers> extends QuestionBase<K> {
  readonly kind: 'text' | 'number';
  readonly check: (value: Answers[K]) => string | undefined;
}
export type Question<K extends keyof Answers = keyof Answers> = ChoiceQuestion<K> | ListQuestion<K> | TextQuestion<K>;
