/**
 * What every screen shares:
 *
 *   pg-secure-setup  Step 3 of 8 · Certificates            ■■■□□□□□
 *
 *   (the step's content)
 *
 *   Two or three lines on what the choice means and its trade-off.
 *   Manual: 18.9.5 Creating Certificates
 *   ✘ the problem with the last Enter, if any
 *   ↑↓ choose · Enter next · Esc back · ? help · Ctrl+C quit
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { STEP_IDS, stepInfo, stepNumber, type StepId } from '../../wizard/steps.js';
import { useTheme } from '../theme.js';
import { wrapText } from '../../wrap.js';

/** Help under a step: the short text, or the longer one when asked for. */
export interface HelpProps {
  readonly text: string;
  readonly more: string;
  readonly manual: string;
  /** Show `more` instead of `text`. @default false */
  readonly isExpanded?: boolean;
}

export interface FrameProps {
  readonly step: StepId;
  readonly width: number;
  /** Key hints for the footer. */
  readonly hints: string;
  readonly help?: HelpProps | undefined;
  readonly error?: string | undefined;
  readonly children: ReactNode;
}

export function Frame({ step, width, hints, help, error, children }: FrameProps) {
  const theme = useTheme();
  const n = stepNumber(step);
  const bar = '■'.repeat(n) + '□'.repeat(STEP_IDS.length - n);
  return (
    <Box flexDirection="column" width={width}>
      <Box justifyContent="space-between">
        <Text>
          <Text bold color={theme.accent}>pg-secure-setup</Text>
          <Text>{`  Step ${n} of ${STEP_IDS.length} · `}</Text>
          <Text bold>{stepInfo(step).title}</Text>
        </Text>
        <Text color={theme.muted}>{bar}</Text>
      </Box>
      <Box flexDirection="column" marginTop={1}>
        {children}
      </Box>
      {help && (
        <Box flexDirection="column" marginTop={1}>
          {wrapText(help.isExpanded ? help.more : help.text, width).map((line, i) => (
            <Text key={i} dimColor={theme.dim && !help.isExpanded}>{line}</Text>
          ))}
          {wrapText(`Manual: ${help.manual}${help.isExpanded ? '' : ' · ? more'}`, width).map((line, i) => (
            <Text key={i} color={theme.muted}>{line}</Text>
          ))}
        </Box>
      )}
      {error && (
        <Text color={theme.bad}>{`✘ ${error}`}</Text>
      )}
      <Box marginTop={error ? 0 : 1}>
        <Text color={theme.muted} wrap="truncate-end">{hints}</Text>
      </Box>
    </Box>
  );
}
