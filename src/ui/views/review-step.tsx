/**
 * Step 7: everything that will be written, in a window that scrolls.
 *
 *   Files to write in ./pg-secure-setup/ (mode, path, what it is)
 *     0644  server/server.crt  server certificate, then any intermediate
 *     ...
 *   lines 1-15 of 48 ↓
 */
import { Box, Text } from 'ink';
import type { ReviewLine } from '../../wizard/review-lines.js';
import { REVIEW_HELP } from '../../wizard/steps.js';
import { useTheme } from '../theme.js';
import { Frame } from './frame.js';

export interface ReviewStepProps {
  /** undefined while the plan is being made. */
  readonly lines: readonly ReviewLine[] | undefined;
  readonly scroll: number;
  /** Lines the window shows. */
  readonly height: number;
  readonly width: number;
  readonly hints: string;
  readonly error?: string | undefined;
  /** Show the longer help. @default false */
  readonly isHelpExpanded?: boolean;
}

/** The furthest the window can scroll. */
export function maxScroll(lineCount: number, height: number): number {
  return Math.max(0, lineCount - height);
}

export function ReviewStep({ lines, scroll, height, width, hints, error, isHelpExpanded = false }: ReviewStepProps) {
  const theme = useTheme();
  const help = { text: REVIEW_HELP.help, more: REVIEW_HELP.more, manual: REVIEW_HELP.manual, isExpanded: isHelpExpanded };
  if (!lines) {
    return (
      <Frame step="review" width={width} hints={hints} error={error} help={help}>
        <Text>{error ? 'The plan could not be made.' : 'Working out the plan…'}</Text>
      </Frame>
    );
  }
  const top = Math.min(scroll, maxScroll(lines.length, height));
  const shown = lines.slice(top, top + height);
  const more = top + height < lines.length;
  return (
    <Frame step="review" width={width} hints={hints} error={error} help={help}>
      <Box flexDirection="column">
        {shown.map((line, i) => (
          <Text
            key={top + i}
            wrap="truncate-end"
            bold={line.kind === 'heading'}
            color={line.kind === 'heading' ? theme.accent : line.kind === 'warning' ? theme.warn : line.kind === 'comment' ? theme.muted : undefined}
          >
            {line.text || ' '}
          </Text>
        ))}
        <Text color={theme.muted}>
          {`lines ${top + 1}-${Math.min(lines.length, top + height)} of ${lines.length}${more ? ' · ↓ more below' : ' · end'}`}
        </Text>
      </Box>
    </Frame>
  );
}
