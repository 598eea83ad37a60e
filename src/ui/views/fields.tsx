/**
 * The three kinds of field a question shows as: a choice among values, a
 * line of text, and a list of entries to add, edit and remove. Each only
 * draws the state it is given; keys are handled by the flow.
 *
 *   ❯ New CA                 a root CA signs server and client certificates
 *     Self-signed            one server certificate, no client certificates
 *
 *   ❯ ./pg-secure-setup█
 *
 *     db.example.com
 *   ❯ 127.0.0.1
 *     + add another
 *     ✔ continue with these 2
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { Choice } from '../../answers/questions.js';
import type { Line } from '../line-edit.js';
import { useTheme } from '../theme.js';

export interface ChoiceFieldProps {
  readonly choices: readonly Choice<unknown>[];
  /** Index of the highlighted choice. */
  readonly index: number;
  /** Extra words after a choice's hint, by index (e.g. "detected here"). */
  readonly notes?: Readonly<Record<number, string>>;
}

export function ChoiceField({ choices, index, notes = {} }: ChoiceFieldProps) {
  const theme = useTheme();
  const width = Math.max(...choices.map((c) => c.label.length)) + 2;
  return (
    <Box flexDirection="column">
      {choices.map((c, i) => {
        const focused = i === index;
        const hint = [c.hint, notes[i]].filter(Boolean).join(' · ');
        return (
          <Text key={c.label} wrap="truncate-end">
            <Text color={focused ? theme.accent : undefined} bold={focused}>{`${focused ? '❯' : ' '} ${c.label.padEnd(width)}`}</Text>
            <Text color={theme.muted}>{hint}</Text>
          </Text>
        );
      })}
    </Box>
  );
}

export interface LineInputProps {
  readonly line: Line;
  /** Draw the cursor. @default true */
  readonly isFocused?: boolean;
}

/** A line of text with a block cursor. */
export function LineInput({ line, isFocused = true }: LineInputProps) {
  const before = line.text.slice(0, line.cursor);
  const at = line.text[line.cursor] ?? ' ';
  const after = line.text.slice(line.cursor + 1);
  return (
    <Text>
      {before}
      <Text inverse={isFocused}>{at}</Text>
      {after}
    </Text>
  );
}

export function TextField({ line }: { readonly line: Line }) {
  const theme = useTheme();
  return (
    <Text>
      <Text color={theme.accent} bold>{'❯ '}</Text>
      <LineInput line={line} />
    </Text>
  );
}

export interface ListFieldProps {
  readonly items: readonly string[];
  /** An entry, then items.length = "add", items.length + 1 = "continue". */
  readonly cursor: number;
  readonly editing?: { readonly index: number; readonly line: Line } | undefined;
  /** Rows available for entries before the list scrolls. @default 8 */
  readonly maxRows?: number;
  /** What continuing with no entry means. @default "none" */
  readonly emptyLabel?: string | undefined;
}

export function ListField({ items, cursor, editing, maxRows = 8, emptyLabel = 'none' }: ListFieldProps) {
  const theme = useTheme();
  const rows: { key: string; node: ReactNode; focused: boolean }[] = items.map((item, i) => ({
    key: `item-${i}`,
    focused: cursor === i,
    node: editing?.index === i ? <LineInput line={editing.line} /> : <Text>{item}</Text>,
  }));
  const adding = editing?.index === items.length;
  rows.push({
    key: 'add',
    focused: cursor === items.length,
    node: adding ? <LineInput line={editing.line} /> : <Text color={theme.muted}>+ add another</Text>,
  });
  rows.push({
    key: 'done',
    focused: cursor === items.length + 1,
    node: <Text bold={cursor === items.length + 1}>{`✔ continue with ${items.length === 0 ? emptyLabel : items.length === 1 ? 'this one' : `these ${items.length}`}`}</Text>,
  });
  // Keep the cursor's row in view when the list is long.
  const start = Math.max(0, Math.min(cursor - Math.floor(maxRows / 2), rows.length - maxRows));
  const shown = rows.slice(start, start + maxRows);
  return (
    <Box flexDirection="column">
      {start > 0 && <Text color={theme.muted}>{`  ↑ ${start} more`}</Text>}
      {shown.map((row) => (
        <Text key={row.key} wrap="truncate-end">
          <Text color={row.focused ? theme.accent : undefined} bold={row.focused}>{row.focused ? '❯ ' : '  '}</Text>
          {row.node}
        </Text>
      ))}
      {start + maxRows < rows.length && <Text color={theme.muted}>{`  ↓ ${rows.length - start - maxRows} more`}</Text>}
    </Box>
  );
}
