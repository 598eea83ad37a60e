/**
 * What a front end is to the wizard command: it asks the questions of a
 * FlowConfig, shows the review, writes through the command's services, and
 * ends in one of two ways. The Ink wizard (ui/) and the plain prompts
 * (plain/) each provide one; the command treats them alike.
 */
import type { Answers } from '../answers/answers.js';
import type { Plan } from '../plan/plan.js';
import type { FlowConfig } from './resolve-flow.js';
import type { WizardSummary } from './summary.js';

/** The slow work a front end asks for; the command supplies it. */
export interface WizardServices {
  /** The plan for these answers, for the review. */
  readonly makePlan: (answers: Answers) => Promise<Plan>;
  /** Make the keys and write the bundle of this plan; `onKey` as each key is made. */
  readonly write: (answers: Answers, plan: Plan, onKey: (id: string) => void) => Promise<WizardSummary>;
}

/** How a front end ended: the user stopped it (Ctrl+C, or no at the confirmation) and nothing was written, or the bundle is written. */
export type WizardOutcome = { readonly kind: 'cancelled' } | { readonly kind: 'written'; readonly answers: Answers; readonly summary: WizardSummary };

/** A way of asking: the Ink wizard or the plain prompts. */
export interface FrontEnd {
  /** Ask, review, write; `beforeRender` runs just before the first thing is drawn (to erase the splash). */
  run(config: FlowConfig, services: WizardServices, beforeRender?: () => void): Promise<WizardOutcome>;
}

/** What every front end says when the user stopped it. */
export const CANCELLED_TEXT = 'Cancelled: nothing was written.';
