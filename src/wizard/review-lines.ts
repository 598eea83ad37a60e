/**
 * The review as lines of text: every file with its mode, the settings, the
 * pg_hba.conf rules in order, the commands, the warnings. The wizard shows
 * them in a scrolling window; the plain prompts print them.
 */
import { formatRule } from '../hba/index.js';
import { commandLine, type Plan } from '../plan/plan.js';
import { renderSettings } from '../plan/settings.js';
import { modeText } from './summary.js';
import { serverLines, serverRows } from './servers-text.js';

/** One line of the review; `kind` picks its style. */
export interface ReviewLine {
  readonly text: string;
  readonly kind: 'heading' | 'body' | 'comment' | 'warning' | 'blank';
}

export function reviewLines(plan: Plan): ReviewLine[] {
  const lines: ReviewLine[] = [];
  const heading = (text: string) => {
    if (lines.length) lines.push({ text: '', kind: 'blank' });
    lines.push({ text, kind: 'heading' });
  };
  const body = (text: string) => lines.push({ text: `  ${text}`, kind: 'body' });

  const servers = serverRows(plan);
  if (servers.length) {
    heading('Servers, the primary first: each installs its own files with apply --server NAME');
    for (const line of serverLines(servers)) body(line);
  }

  heading(`Files to write in ${plan.answers.out}/ (mode, path, what it is)`);
  const width = Math.max(...plan.files.map((f) => f.path.length));
  for (const f of plan.files) body(`${modeText(f.mode)}  ${f.path.padEnd(width)}  ${f.about}`);

  heading('postgresql.conf settings (conf/pg-secure-setup.conf)');
  for (const line of renderSettings(plan.settings).split('\n')) body(line);

  heading('pg_hba.conf rules, in order: the first line that matches decides');
  for (const r of plan.hbaRules) {
    lines.push({ text: `  # ${r.comment}`, kind: 'comment' });
    body(formatRule(r.rule));
  }

  heading('Commands to run on the server, from the bundle directory');
  for (const c of plan.commands) body(commandLine(c));

  if (plan.warnings.length) {
    heading('Notes');
    for (const w of plan.warnings) lines.push({ text: `  ! ${w}`, kind: 'warning' });
  }
  return lines;
}
