/**
 * Step 6: what happens to passwords. Nothing to choose; it explains what the
 * bundle sets and what an administrator must do about md5 hashes.
 *
 *   password_encryption = scram-sha-256   new and changed passwords
 *   TCP logins                            SCRAM password + client certificate
 *   Passwords still stored as md5         must be set again (? for how)
 */
import { Box, Text } from 'ink';
import type { Answers } from '../../answers/answers.js';
import { PASSWORDS_NOTE } from '../../answers/questions.js';
import { useTheme } from '../theme.js';
import { Frame } from './frame.js';

export interface PasswordsStepProps {
  readonly answers: Answers;
  readonly width: number;
  readonly hints: string;
  readonly isHelpExpanded: boolean;
}

/** What a TCP login asks for, in a few words. */
export function loginSummary(a: Answers): string {
  switch (a.clientCerts) {
    case 'none':
      return 'a SCRAM password over TLS';
    case 'verify-ca':
      return 'a SCRAM password and a certificate from the CA';
    case 'verify-full':
      return 'a SCRAM password and a certificate whose CN is the role';
    case 'cert':
      return 'a certificate whose CN is the role; no password';
  }
}

export function PasswordsStep({ answers, width, hints, isHelpExpanded }: PasswordsStepProps) {
  const theme = useTheme();
  const rows: [string, string][] = [
    ['password_encryption', 'scram-sha-256 for every new or changed password'],
    ['TCP logins need', loginSummary(answers)],
    ['md5 hashes', answers.clientCerts === 'cert' ? 'unused over TCP with the cert method' : 'stop working over TCP: set those passwords again'],
    ['Socket logins', 'peer: the OS user must match the role'],
  ];
  const width1 = Math.max(...rows.map(([k]) => k.length)) + 2;
  return (
    <Frame step="passwords" width={width} hints={hints} help={{ text: PASSWORDS_NOTE.help, more: PASSWORDS_NOTE.more, manual: PASSWORDS_NOTE.manual, isExpanded: isHelpExpanded }}>
      <Box flexDirection="column">
        {rows.map(([k, v]) => (
          <Text key={k} wrap="truncate-end">
            <Text bold>{k.padEnd(width1)}</Text>
            <Text>{v}</Text>
          </Text>
        ))}
        <Text color={theme.muted}>Nothing to choose here: Enter goes on to the review.</Text>
      </Box>
    </Frame>
  );
}
