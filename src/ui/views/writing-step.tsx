/**
 * Step 8: keys being made (asynchronously, so the spinner keeps turning).
 * The summary that follows is SummaryView.
 *
 *   Making 3 RSA keys of 2048 bits and signing the certificates
 *   ✔ root     PostgreSQL Root CA for db.example.com
 *   ⠋ server   db.example.com
 *   ■■■■■■■■■■■■■■■■■■■■□□□□□□□□□□□□□□□□□□□□□□ 1 of 3
 */
import { ProgressBar, Spinner, ThemeProvider, extendTheme, defaultTheme } from '@inkjs/ui';
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { WRITING_HELP } from '../../wizard/steps.js';
import { useTheme } from '../theme.js';
import { Frame } from './frame.js';

export interface WritingStepProps {
  /** The certificates to make: id and subject name. */
  readonly certificates: readonly { readonly id: string; readonly name: string }[];
  readonly keyBits: number;
  /** Ids whose keys are made. */
  readonly made: readonly string[];
  readonly status: 'running' | 'done' | 'failed';
  readonly error?: string | undefined;
  readonly width: number;
  readonly hints: string;
  /** Show the longer help. @default false */
  readonly isHelpExpanded?: boolean;
}

const MAX_ROWS = 6;

export function WritingStep({ certificates, keyBits, made, status, error, width, hints, isHelpExpanded = false }: WritingStepProps) {
  const theme = useTheme();
  // @inkjs/ui draws in colour: take the colours out when NO_COLOR is set.
  const uiTheme = useMemo(
    () =>
      theme.accent
        ? defaultTheme
        : extendTheme(defaultTheme, {
            components: {
              Spinner: { styles: { frame: () => ({}) } },
              ProgressBar: { styles: { completed: () => ({}), remaining: () => ({}) } },
            },
          }),
    [theme.accent],
  );
  const keysDone = made.length >= certificates.length;
  const shown = certificates.slice(0, MAX_ROWS);
  const idWidth = Math.max(...shown.map((c) => c.id.length)) + 2;
  return (
    <ThemeProvider theme={uiTheme}>
      <Frame step="writing" width={width} hints={hints} error={error} help={{ text: WRITING_HELP.help, more: WRITING_HELP.more, manual: WRITING_HELP.manual, isExpanded: isHelpExpanded }}>
        <Text>{`Making ${certificates.length} RSA key${certificates.length === 1 ? '' : 's'} of ${keyBits} bits and signing the certificates`}</Text>
        <Box flexDirection="column" marginY={1}>
          {shown.map((c) => (
            <Box key={c.id} gap={1}>
              {made.includes(c.id) ? <Text color={theme.good}>✔</Text> : status === 'failed' ? <Text color={theme.bad}>✘</Text> : <Spinner />}
              <Text wrap="truncate-end">
                <Text bold>{c.id.padEnd(idWidth)}</Text>
                <Text color={theme.muted}>{c.name}</Text>
              </Text>
            </Box>
          ))}
          {certificates.length > MAX_ROWS && <Text color={theme.muted}>{`  … and ${certificates.length - MAX_ROWS} more`}</Text>}
        </Box>
        <Box gap={1}>
          <Box width={Math.min(40, width - 20)}>
            <ProgressBar value={(made.length / Math.max(1, certificates.length)) * 100} />
          </Box>
          <Text>{`${made.length} of ${certificates.length}`}</Text>
        </Box>
        {status === 'running' && keysDone && (
          <Box gap={1}>
            <Spinner />
            <Text>Writing the files…</Text>
          </Box>
        )}
        {status === 'failed' && <Text>Nothing was written. Esc goes back to the review.</Text>}
      </Frame>
    </ThemeProvider>
  );
}
