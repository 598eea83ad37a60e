/**
 * The last frame: left on the terminal when the wizard ends.
 *
 *   ✔ Bundle written to pg-secure-setup/
 *
 *   Certificate chain (each issued by the one above it)
 *   CN=PostgreSQL Root CA for db  (root CA, expires 2036-...)
 *   ├─ CN=db  (server, expires ...)
 *   └─ CN=postgres  (client, expires ...)
 *
 *   Files
 *   server/  server.crt  server.key (0600)  root.crt  root.crl
 *   ...
 *   Next, on the server
 *   cd pg-secure-setup
 *   sudo ./apply.sh ...
 */
import { Box, Text } from 'ink';
import { chainLines, fileLines, type WizardSummary } from '../../wizard/summary.js';
import { serverLines } from '../../wizard/servers-text.js';
import { useTheme } from '../theme.js';

export interface SummaryViewProps {
  readonly summary: WizardSummary;
  readonly width: number;
}

const MAX_CLIENT_DIRS = 3;

export function SummaryView({ summary, width }: SummaryViewProps) {
  const theme = useTheme();
  const clientDirs = summary.files.filter((g) => g.dir.startsWith('clients/'));
  const groups = summary.files.filter((g) => !g.dir.startsWith('clients/') || clientDirs.indexOf(g) < MAX_CLIENT_DIRS);
  const hidden = clientDirs.length - MAX_CLIENT_DIRS;
  const section = (title: string) => (
    <Box marginTop={1}>
      <Text bold color={theme.accent}>{title}</Text>
    </Box>
  );
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={theme.good}>{`✔ Bundle written to ${summary.dir}/`}</Text>
      {section('Certificate chain (each is issued by the one above it)')}
      {chainLines(summary.chain, width).map((line, i) => (
        <Text key={i} wrap="truncate-end">{line}</Text>
      ))}
      {section('Files (* private: mode 0600)')}
      {fileLines(groups, width).map((line, i) => (
        <Text key={i} wrap="truncate-end">{line}</Text>
      ))}
      {hidden > 0 && <Text color={theme.muted}>{`… and ${hidden} more client director${hidden === 1 ? 'y' : 'ies'}`}</Text>}
      {summary.servers.length > 0 && section('Servers, the primary first')}
      {summary.servers.length > 0 && serverLines(summary.servers, false).map((line, i) => (
        <Text key={i} wrap="truncate-end">{line}</Text>
      ))}
      {section(`Next, on ${summary.servers.length ? 'each server' : 'the server'} (README.md has every step)`)}
      {summary.commands.map((c) => (
        <Text key={c}>{c}</Text>
      ))}
      {summary.warnings.map((w) => (
        <Text key={w} color={theme.warn}>{`! ${w}`}</Text>
      ))}
    </Box>
  );
}
