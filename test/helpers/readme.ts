/**
 * Reading a bundle README as a person follows it: its Markdown must render
 * (fences and code spans closed), and each role's section is a list of code
 * blocks, each with the client heading it stands under and the file the text
 * before it says to save it as.
 */

/** One fenced block of the README. */
export interface ReadmeBlock {
  /** The `#### ` heading it stands under ('' before the first). */
  readonly client: string;
  /** The fence's info string: sh, python, java, js, or ''. */
  readonly lang: string;
  readonly body: string;
  /** From "Save this as `FILE`:" just before the block. */
  readonly saveAs?: string;
}

/** Markdown that would not render as meant: unclosed fences, code spans left open on a line, ragged tables. */
export function markdownProblems(text: string): string[] {
  const problems: string[] = [];
  let fence: { line: number } | undefined;
  text.split('\n').forEach((line, i) => {
    const n = i + 1;
    if (/^\s*```/.test(line)) {
      fence = fence ? undefined : { line: n };
      return;
    }
    if (fence) return;
    const ticks = line.match(/`/g)?.length ?? 0;
    if (ticks % 2 !== 0) problems.push(`line ${n}: odd number of backticks: ${line}`);
    if (line.startsWith('|') && !line.trimEnd().endsWith('|')) problems.push(`line ${n}: table row not closed: ${line}`);
    if (/\{\{\w+\}\}/.test(line)) problems.push(`line ${n}: unfilled placeholder: ${line}`);
  });
  if (fence) problems.push(`line ${fence.line}: code fence never closed`);
  return problems;
}

/** The text of `### heading` up to the next `## ` or `### ` heading. */
export function section(readme: string, heading: string): string {
  const start = readme.indexOf(`\n### ${heading}\n`);
  if (start < 0) throw new Error(`no section "### ${heading}" in the README`);
  const rest = readme.slice(start + 1);
  const end = rest.slice(4).search(/\n##?#? /);
  return end < 0 ? rest : rest.slice(0, end + 5);
}

/** The fenced blocks of a section, in order. */
export function blocks(text: string): ReadmeBlock[] {
  const out: ReadmeBlock[] = [];
  let client = '';
  let prose: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^#### (.+)$/.exec(line);
    if (heading) {
      client = heading[1]!;
      prose = [];
      continue;
    }
    const open = /^```(\w*)$/.exec(line);
    if (!open) {
      prose.push(line);
      continue;
    }
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    const saveAs = /save this as\s+`([^`]+)`:\s*$/i.exec(prose.join(' ').trim())?.[1];
    out.push({ client, lang: open[1]!, body: body.join('\n') + '\n', ...(saveAs ? { saveAs } : {}) });
    prose = [];
  }
  return out;
}
