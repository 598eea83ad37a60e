/**
 * What --dry-run shows: a unified diff of every file that would change
 * (a private key only by checksum, never its bytes), mode and owner
 * changes, then the commands. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { commandLine } from '../plan/plan.js';
import { modeText } from '../file-mode.js';
import type { Step } from './exec.js';
import type { FileState } from './plan.js';

/** One file to show: its path, the state now and the state after. */
export interface DiffFile {
  readonly path: string;
  readonly before: FileState | undefined;
  readonly after: FileState | undefined;
  readonly secret: boolean;
}

/** Mode as four octal digits. */
export { modeText };

/** User and group names by id, for display. */
export interface IdNames {
  readonly users: ReadonlyMap<number, string>;
  readonly groups: ReadonlyMap<number, string>;
}

/** The names this tool knows: root and the server's user and group. */
export function idNames(user: { name: string; uid: number; gid: number; group?: string }): IdNames {
  return {
    users: new Map([[0, 'root'], [user.uid, user.name]]),
    groups: new Map([[0, 'root'], ...(user.group ? [[user.gid, user.group] as [number, string]] : [])]),
  };
}

const NO_NAMES: IdNames = { users: new Map(), groups: new Map() };

function ownerText(s: FileState, names: IdNames): string {
  return `${names.users.get(s.uid) ?? s.uid}:${names.groups.get(s.gid) ?? s.gid}`;
}

function isText(bytes: Uint8Array): boolean {
  return !Buffer.from(bytes).includes(0);
}

function meta(f: DiffFile, names: IdNames): string[] {
  const { before, after } = f;
  if (!after) return [`# ${f.path}: removed`];
  if (!before) return [`# ${f.path}: new file, mode ${modeText(after.mode)}, owner ${ownerText(after, names)}`];
  const out: string[] = [];
  if ((before.mode & 0o7777) !== (after.mode & 0o7777)) out.push(`# ${f.path}: mode ${modeText(before.mode)} -> ${modeText(after.mode)}`);
  if (before.uid !== after.uid || before.gid !== after.gid) out.push(`# ${f.path}: owner ${ownerText(before, names)} -> ${ownerText(after, names)}`);
  return out;
}

/** The diff of one file. */
export function fileDiff(f: DiffFile, names: IdNames = NO_NAMES): string {
  const lines = meta(f, names);
  const a = f.before?.bytes ?? new Uint8Array();
  const b = f.after?.bytes ?? new Uint8Array();
  if (Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0) return lines.join('\n');
  if (f.secret || !isText(a) || !isText(b)) {
    const sum = (x: FileState | undefined) => (x ? `sha256:${createHash('sha256').update(x.bytes).digest('hex').slice(0, 16)}` : 'none');
    lines.push(`# ${f.path}: contents ${sum(f.before)} -> ${sum(f.after)}${f.secret ? ' (private: not shown)' : ''}`);
    return lines.join('\n');
  }
  const patch = createTwoFilesPatch(f.before ? f.path : '/dev/null', f.after ? f.path : '/dev/null', Buffer.from(a).toString('utf8'), Buffer.from(b).toString('utf8'), f.before ? 'now' : undefined, f.after ? 'after' : undefined);
  // Drop jsdiff's "Index:" and separator lines: the ---/+++ header says it all.
  lines.push(patch.split('\n').filter((l, i) => !(i < 2 && (l.startsWith('Index:') || /^=+$/.test(l)))).join('\n').trimEnd());
  return lines.join('\n');
}

/** The whole dry-run report. */
export function dryRunReport(files: readonly DiffFile[], steps: readonly Step[], names: IdNames = NO_NAMES): string {
  const parts = files.map((f) => fileDiff(f, names)).filter(Boolean);
  const cmds = steps.map((s) => (s.sql !== undefined ? `  [SQL] ${s.sql};` : `  ${s.as ? `[as ${s.as}] ` : ''}${commandLine(s.argv)}`));
  return [...parts, '', 'Commands:', ...cmds, '', 'Dry run: nothing was changed.'].join('\n') + '\n';
}
