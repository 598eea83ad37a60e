/**
 * The wizard as one Ink component: the flow reducer, keys fed into it, and
 * the two slow effects (making the plan, writing the bundle) handed in as
 * services so no domain code lives here. Ends through Ink's exit(outcome).
 */
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { currentAnswers, type FlowAction, flowReducer, type FlowState, initFlow } from './flow.js';
import { hintsFor, type KeyInfo, reduceKey, type ScrollInfo } from './keymap.js';
import { offeredChoices, resolveAll, type FlowConfig } from '../wizard/resolve-flow.js';
import type { EnvFacts } from '../answers/questions.js';
import { useAfterFacts } from './later-facts.js';
import { reviewLines } from '../wizard/review-lines.js';
import { REVIEW_HELP } from '../wizard/steps.js';
import { useTheme } from './theme.js';
import { CANCELLED_TEXT, type WizardOutcome, type WizardServices } from '../wizard/front-end.js';
import { wrapText } from '../wrap.js';
import { PasswordsStep } from './views/passwords-step.js';
import { QuestionStep } from './views/question-step.js';
import { maxScroll, ReviewStep } from './views/review-step.js';
import { Frame } from './views/frame.js';
import { SummaryView } from './views/summary-view.js';

type WritingStepView = typeof import('./views/writing-step.js').WritingStep;

/**
 * The writing screen (and @inkjs/ui with it) is loaded just after the first
 * frame rather than before it: start-up waits for Ink alone, and the screen
 * is there long before anyone reaches step 8.
 */
function useWritingStep(): WritingStepView | undefined {
  const [view, setView] = useState<WritingStepView>();
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      void import('./views/writing-step.js').then((m) => live && setView(() => m.WritingStep));
    }, 50);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return view;
}

export type { WizardOutcome, WizardServices };

export interface WizardAppProps {
  readonly config: FlowConfig;
  readonly services: WizardServices;
  /** Terminal size; read from stdout when not given. */
  readonly size?: { readonly columns: number; readonly rows: number } | undefined;
}

type AppAction = FlowAction | { readonly type: 'key'; readonly input: string; readonly key: KeyInfo; readonly scroll: ScrollInfo } | { readonly type: 'facts'; readonly env: EnvFacts };

// Keys go through the reducer so each one meets the state the previous key left, even before React re-renders.
function appReducer(state: FlowState, action: AppAction): FlowState {
  if (action.type === 'facts') return { ...state, config: { ...state.config, env: action.env } };
  return action.type === 'key' ? reduceKey(state, action.input, action.key, action.scroll) : flowReducer(state, action);
}

function useTerminalSize(fixed: WizardAppProps['size']): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

export function WizardApp({ config, services, size: fixedSize }: WizardAppProps) {
  const [state, dispatch] = useReducer(appReducer, config, initFlow);
  const { exit } = useApp();
  const theme = useTheme();
  const size = useTerminalSize(fixedSize);
  const width = Math.min(size.columns, 100);
  const lines = useMemo(() => (state.plan ? reviewLines(state.plan) : undefined), [state.plan]);
  // The review window gets the rows the frame, its help and a possible error leave.
  const reviewHelpRows = wrapText(state.more ? REVIEW_HELP.more : REVIEW_HELP.help, width).length + wrapText(`Manual: ${REVIEW_HELP.manual} · ? more`, width).length + 1;
  const reviewHeight = Math.max(4, size.rows - 8 - reviewHelpRows);
  const scroll: ScrollInfo = { max: maxScroll(lines?.length ?? 0, reviewHeight), page: reviewHeight - 1 };

  // Facts still being looked up are in before the first key is acted on (later-facts.ts); Ctrl+C does not wait.
  const send = useAfterFacts<AppAction>(config.envLater, (env) => dispatch({ type: 'facts', env }), dispatch, (a) => a.type === 'key' && !!a.key.ctrl && a.input === 'c');
  useInput((input, key) => send({ type: 'key', input, key, scroll }));

  const stopKind = state.stop.kind;
  const WritingStep = useWritingStep();
  useEffect(() => {
    if (stopKind !== 'review' || state.plan || state.planError) return;
    let live = true;
    services.makePlan(currentAnswers(state)).then(
      (plan) => live && dispatch({ type: 'planned', plan }),
      (err: unknown) => live && dispatch({ type: 'plan-failed', message: (err as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [stopKind, state.plan, state.planError]);

  const writing = useRef(false);
  const writeStatus = state.writing?.status;
  useEffect(() => {
    if (stopKind !== 'writing' || writeStatus !== 'running' || writing.current || !state.plan) return;
    writing.current = true;
    services
      .write(currentAnswers(state), state.plan, (id) => dispatch({ type: 'key-made', id }))
      .then(
        (summary) => dispatch({ type: 'written', summary }),
        (err: unknown) => dispatch({ type: 'write-failed', message: (err as Error).message }),
      )
      .finally(() => {
        writing.current = false;
      });
  }, [stopKind, writeStatus]);

  useEffect(() => {
    if (state.exit === 'cancelled') exit({ kind: 'cancelled' } satisfies WizardOutcome);
    if (state.exit === 'written' && state.writing?.summary) exit({ kind: 'written', answers: currentAnswers(state), summary: state.writing.summary } satisfies WizardOutcome);
  }, [state.exit]);

  if (state.exit === 'cancelled') {
    return (
      <Box width={width}>
        <Text color={theme.warn}>{CANCELLED_TEXT}</Text>
      </Box>
    );
  }
  const hints = hintsFor(state);
  switch (state.stop.kind) {
    case 'question': {
      const { values, sources } = resolveAll(state.config, state.answers);
      return (
        <QuestionStep
          focus={state.stop.key}
          draft={state.draft!}
          values={values}
          sources={sources}
          width={width}
          height={size.rows}
          hints={hints}
          error={state.error}
          isHelpExpanded={state.more}
          detectedPgVersion={state.config.env.detectedPgVersion}
          offered={offeredChoices(state.config, state.answers, state.stop.key)}
        />
      );
    }
    case 'passwords':
      return <PasswordsStep answers={currentAnswers(state)} server={state.config.server} width={width} hints={hints} isHelpExpanded={state.more} />;
    case 'review':
      return <ReviewStep lines={lines} scroll={state.scroll} height={reviewHeight} width={width} hints={hints} error={state.planError} isHelpExpanded={state.more} />;
    case 'writing': {
      const answers = currentAnswers(state);
      const certificates = (state.plan?.certificates ?? []).map((c) => ({ id: c.id, name: c.commonName }));
      const w = state.writing;
      if (w?.status === 'done' && w.summary) return <SummaryView summary={w.summary} width={width} />;
      if (!WritingStep) {
        return (
          <Frame step="writing" width={width} hints={hints}>
            <Text>Making the keys…</Text>
          </Frame>
        );
      }
      return (
        <WritingStep
          certificates={certificates}
          keyBits={answers.keyBits}
          made={w?.made ?? []}
          status={w?.status ?? 'running'}
          error={w?.error}
          width={width}
          hints={hints}
          isHelpExpanded={state.more}
        />
      );
    }
  }
}
