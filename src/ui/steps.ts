/**
 * The wizard's screens and which questions each one asks. The questions
 * themselves (values, defaults, help, checks) come from answers/questions.ts.
 */
import type { Answers } from '../answers/answers.js';

/** One screen of the wizard. */
export interface StepInfo {
  readonly id: StepId;
  readonly title: string;
  /** Questions asked on this screen, in QUESTION_ORDER. */
  readonly questions: readonly (keyof Answers)[];
}

export const STEP_IDS = ['where', 'identity', 'certificates', 'tls', 'clients', 'passwords', 'review', 'writing'] as const;
export type StepId = (typeof STEP_IDS)[number];

export const STEPS: readonly StepInfo[] = [
  { id: 'where', title: 'Where', questions: ['pgVersion', 'out'] },
  { id: 'identity', title: 'Server identity', questions: ['hosts'] },
  { id: 'certificates', title: 'Certificates', questions: ['pki', 'keyBits', 'days'] },
  { id: 'tls', title: 'TLS policy', questions: ['minTls', 'refusePlaintext', 'networks'] },
  { id: 'clients', title: 'Client certificates', questions: ['clientCerts', 'clientUsers'] },
  { id: 'passwords', title: 'Passwords', questions: [] },
  { id: 'review', title: 'Review', questions: [] },
  { id: 'writing', title: 'Writing the bundle', questions: [] },
];

/** The screen a question is asked on. */
export function stepOfQuestion(key: keyof Answers): StepInfo {
  const step = STEPS.find((s) => s.questions.includes(key));
  if (!step) throw new Error(`internal: question ${key} is on no step`);
  return step;
}

export function stepInfo(id: StepId): StepInfo {
  return STEPS.find((s) => s.id === id)!;
}

/** 1-based position of a step, for "Step 3 of 8". */
export function stepNumber(id: StepId): number {
  return STEP_IDS.indexOf(id) + 1;
}
