/**
 * Step 6: what happens to passwords. Nothing to choose; it explains what the
 * bundle sets and, when a server was asked, where its roles stand and what
 * comes next. The text comes from passwords-text.ts, shared with plain mode.
 *
 *   TCP logins need  a SCRAM password and a certificate whose CN is the role
 *   Roles on md5     legacy
 *
 *   ✔ password_encryption is scram-sha-256 on the server already
 *   ❯ a SCRAM secret for each role on md5 (the password stays on this machine):
 *       pg-secure-setup set-password legacy
 *   · with no role left on md5, install the bundle and rewrite the md5 rules:
 *       pg-secure-setup apply ./pg-secure-setup --pgdata … --md5-to-scram
 *   Connection poolers hold their own copy: pgbouncer's auth_type must …
 */
import { Box, Text } from 'ink';
import type { Answers } from '../../answers/answers.js';
import type { ServerPrefill } from '../../audit/prefill.js';
import { passwordsText, STEP_MARK, type MigrationLine } from '../../wizard/passwords-text.js';
import { useTheme } from '../theme.js';
import { wrapText } from '../../wrap.js';
import { Frame } from './frame.js';

export { loginSummary } from '../../wizard/passwords-text.js';

export interface PasswordsStepProps {
  readonly answers: Answers;
  /** What the server said, when one was asked (--connect). */
  readonly server?: ServerPrefill | undefined;
  readonly width: number;
  readonly hints: string;
  readonly isHelpExpanded: boolean;
}

function StepLine({ line, width }: { line: MigrationLine; width: number }) {
  const theme = useTheme();
  const colour = line.state === 'done' ? theme.good : line.state === 'next' ? theme.accent : undefined;
  return (
    <Box flexDirection="column">
      {wrapText(line.text, width - 2).map((text, i) => (
        <Text key={i} dimColor={theme.dim && line.state === 'later'}>
          <Text color={colour}>{i === 0 ? `${STEP_MARK[line.state]} ` : '  '}</Text>
          <Text bold={line.state === 'next'}>{text}</Text>
        </Text>
      ))}
      {line.commands.flatMap((command) => wrapText(command, width - 4)).map((text, i) => (
        <Text key={`c${i}`}>{`    ${text}`}</Text>
      ))}
    </Box>
  );
}

export function PasswordsStep({ answers, server, width, hints, isHelpExpanded }: PasswordsStepProps) {
  const theme = useTheme();
  const text = passwordsText(answers, server);
  const width1 = Math.max(...text.rows.map(([k]) => k.length)) + 2;
  return (
    <Frame step="passwords" width={width} hints={hints} help={{ text: text.help, more: text.more, manual: text.manual, isExpanded: isHelpExpanded }}>
      <Box flexDirection="column">
        {text.rows.map(([k, v]) => (
          <Text key={k} wrap="truncate-end">
            <Text bold>{k.padEnd(width1)}</Text>
            <Text>{v}</Text>
          </Text>
        ))}
        {text.server && (
          <Box flexDirection="column" marginTop={1}>
            {text.server.steps.map((line, i) => (
              <StepLine key={i} line={line} width={width} />
            ))}
            {wrapText(text.server.pooler, width).map((l, i) => (
              <Text key={`p${i}`} color={theme.muted}>{l}</Text>
            ))}
          </Box>
        )}
        {!text.server && <Text color={theme.muted}>Nothing to choose here: Enter goes on to the review.</Text>}
      </Box>
    </Frame>
  );
}
