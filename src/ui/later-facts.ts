/**
 * Facts that may arrive after the first frame (the FQDN from `hostname -f`,
 * which can wait on DNS). No value may change under the user's eyes: a
 * first screen that shows a question those facts feed waits for them before
 * it is drawn; any other first screen is drawn at once and its keys wait, in
 * order, until the facts are in, so every screen after it is drawn as if
 * they had been known from the start. Ctrl+C never waits.
 */
import { useEffect, useRef } from 'react';
import type { Answers } from '../answers/answers.js';
import type { EnvFacts } from '../answers/questions.js';
import type { FlowConfig } from '../wizard/resolve-flow.js';
import { stepOfQuestion } from '../wizard/steps.js';
import { initFlow } from './flow.js';

/** Questions whose default comes from the later facts (the host names offer the FQDN). */
const LATER_FACT_QUESTIONS: readonly (keyof Answers)[] = ['hosts'];

/** The config to draw the first screen with: the later facts are awaited first when that screen could show them. */
export async function configToDraw(config: FlowConfig): Promise<FlowConfig> {
  if (!config.envLater) return config;
  const { stop } = initFlow(config);
  // Screens other than questions (the passwords step, when flags answer everything) show the answers whole.
  const shown = stop.kind === 'question' ? stepOfQuestion(stop.key).questions : LATER_FACT_QUESTIONS;
  if (!shown.some((key) => LATER_FACT_QUESTIONS.includes(key))) return config;
  return { ...config, env: await config.envLater(), envLater: undefined };
}

/**
 * What keys go through: `dispatch` itself once `later` has resolved and
 * `onFacts` has run (at once without `later`); until then actions wait in
 * order, except those `urgent` lets through.
 */
export function useAfterFacts<A>(later: (() => Promise<EnvFacts>) | undefined, onFacts: (env: EnvFacts) => void, dispatch: (action: A) => void, urgent: (action: A) => boolean): (action: A) => void {
  const held = useRef<A[] | undefined>(later ? [] : undefined);
  useEffect(() => {
    if (!later) return;
    let live = true;
    const release = (env?: EnvFacts) => {
      if (!live) return;
      if (env) onFacts(env);
      const waiting = held.current ?? [];
      held.current = undefined;
      for (const action of waiting) dispatch(action);
    };
    // Looked up once the first frame is drawn. They never reject; should they, the keys still go, to screens without them.
    later().then(release, () => release());
    return () => {
      live = false;
    };
  }, [later]);
  return (action: A) => {
    if (held.current && !urgent(action)) held.current.push(action);
    else dispatch(action);
  };
}
