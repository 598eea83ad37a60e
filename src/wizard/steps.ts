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
  { id: 'identity', title: 'Server identity', questions: ['servers', 'hosts', 'port'] },
  { id: 'certificates', title: 'Certificates', questions: ['pki', 'keyBits', 'days'] },
  { id: 'tls', title: 'TLS policy', questions: ['minTls', 'refusePlaintext', 'networks', 'transport', 'krbRealm', 'krbKeytab', 'krbSrvname', 'gssMaps'] },
  { id: 'clients', title: 'Client certificates', questions: ['clientCerts', 'clientUsers', 'replicationUser'] },
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

/** Help for a screen that asks nothing (review, writing), in the shape questions use. */
export interface ScreenHelp {
  readonly help: string;
  readonly more: string;
  readonly manual: string;
}

export const REVIEW_HELP: ScreenHelp = {
  help: 'Nothing is written yet. Check the names in the server certificate, the networks in the rules and the client-certificate method; Esc goes back to change any answer.',
  more: 'pg_hba.conf is read top to bottom and the first matching line decides, so the order shown is part of what you review. The settings go into conf/pg-secure-setup.conf, included from postgresql.conf; SSL settings and pg_hba.conf take effect on reload. apply.sh installs the bundle and reloads; README.md lists the same steps to do by hand.',
  manual: '20.1 The pg_hba.conf File; 18.9 Secure TCP/IP Connections with SSL',
};

export const WRITING_HELP: ScreenHelp = {
  help: 'Keys are made in the background and every file goes to a temporary directory first: the bundle appears whole or not at all, so Ctrl+C now leaves nothing behind.',
  more: 'Private keys are written with mode 0600 from their first byte. ca/ holds the CA keys: once the server and the clients have their files, move ca/ offline; it is needed only to issue more certificates or to revoke some (root.crl).',
  manual: '18.9.5 Creating Certificates',
};
