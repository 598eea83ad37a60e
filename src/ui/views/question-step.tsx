/**
 * Steps 1-5: the questions of one screen. The focused one is open; the
 * others show their value on one line and where it came from.
 *
 *   Certificates
 *   ❯ New CA                 a root CA signs server and client certificates
 *     ...
 *   Key size: 2048 bits      (next)
 *   Validity: 397 days       (next)
 */
import { Box, Text } from 'ink';
import type { Answers } from '../../answers/answers.js';
import { type Choice, QUESTIONS, type Question } from '../../answers/questions.js';
import type { Draft } from '../flow.js';
import { isDecided, showValue, SOURCE_NOTE, type Source } from '../../wizard/resolve-flow.js';
import { stepOfQuestion } from '../../wizard/steps.js';
import { useTheme } from '../theme.js';
import { ChoiceField, ListField, TextField } from './fields.js';
import { Frame } from './frame.js';
import { wrapText } from '../../wrap.js';

export interface QuestionStepProps {
  readonly focus: keyof Answers;
  readonly draft: Draft;
  readonly values: Answers;
  readonly sources: Readonly<Record<keyof Answers, Source>>;
  readonly width: number;
  /** Terminal rows, so long lists scroll instead of pushing the footer off. */
  readonly height: number;
  readonly hints: string;
  readonly error?: string | undefined;
  readonly isHelpExpanded: boolean;
  readonly detectedPgVersion?: number | undefined;
  /** The choices offered when earlier answers leave out some, and one line on why; all of them when not given. */
  readonly offered?: { readonly choices: readonly Choice<unknown>[]; readonly why?: string | undefined } | undefined;
}

function Field({ focus, draft, detectedPgVersion, listRows, offered }: { focus: keyof Answers; draft: Draft; detectedPgVersion?: number | undefined; listRows: number; offered: QuestionStepProps['offered'] }) {
  const q = QUESTIONS[focus] as Question;
  const theme = useTheme();
  if (draft.kind === 'choice' && q.kind === 'choice') {
    const choices = offered?.choices ?? q.choices;
    const detected = choices.findIndex((c) => c.value === detectedPgVersion);
    const notes = focus === 'pgVersion' && detected >= 0 ? { [detected]: 'detected on this machine' } : {};
    return (
      <Box flexDirection="column">
        <ChoiceField choices={choices} index={draft.index} notes={notes} />
        {offered?.why ? <Text color={theme.muted}>{offered.why}</Text> : null}
      </Box>
    );
  }
  if (draft.kind === 'list') return <ListField items={draft.items} cursor={draft.cursor} editing={draft.editing} maxRows={listRows} emptyLabel={q.kind === 'list' ? q.emptyLabel : undefined} />;
  if (draft.kind === 'text') return <TextField line={draft.line} />;
  return null;
}

export function QuestionStep(props: QuestionStepProps) {
  const { focus, draft, values, sources, width, height, hints, error, isHelpExpanded, detectedPgVersion, offered } = props;
  const theme = useTheme();
  const step = stepOfQuestion(focus);
  const q = QUESTIONS[focus] as Question;
  const focusAt = step.questions.indexOf(focus);
  // Rows left for a list once the frame, the other questions, the help, an error and the list's arrows are drawn.
  const helpRows = wrapText(isHelpExpanded ? q.more : q.help, width).length + wrapText(`Manual: ${q.manual} · ? more`, width).length;
  const listRows = Math.max(3, height - 1 - (2 + step.questions.length + 1 + helpRows + 2 + 2));
  return (
    <Frame step={step.id} width={width} hints={hints} error={error} help={{ text: q.help, more: q.more, manual: q.manual, isExpanded: isHelpExpanded }}>
      {step.questions.map((key, i) => {
        const other = QUESTIONS[key] as Question;
        if (key === focus) {
          return (
            <Box key={key} flexDirection="column">
              <Text bold>{`${other.title}: ${other.prompt}`}</Text>
              <Field focus={focus} draft={draft} detectedPgVersion={detectedPgVersion} listRows={listRows} offered={offered} />
            </Box>
          );
        }
        const note = i > focusAt && !isDecided(sources[key]) ? 'next' : SOURCE_NOTE[sources[key]];
        return (
          <Text key={key} wrap="truncate-end" dimColor={theme.dim && i > focusAt}>
            <Text>{`${other.title}: `}</Text>
            <Text bold={i < focusAt}>{showValue(key, values[key])}</Text>
            {note ? <Text color={theme.muted}>{`  (${note})`}</Text> : null}
          </Text>
        );
      })}
    </Frame>
  );
}
