/**
 * The third-party notices for a bundle: every npm package whose files
 * esbuild put into it (the metafile's inputs), with its name, version,
 * licence and the text of its licence file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package directory (relative) of a bundled input such as node_modules/@inkjs/ui/build/index.js. */
function packageDir(input) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? m[1] : undefined;
}

/** The text of the package's licence file, if it ships one. */
function licenceText(dir) {
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt|markdown))?$/i.test(f));
  return file ? readFileSync(join(dir, file), 'utf8').trim() : undefined;
}

/** Markdown naming each bundled package once, sorted by name, with its licence text. */
export function thirdPartyNotices(root, inputs) {
  const dirs = [...new Set(inputs.map(packageDir).filter((d) => d !== undefined))];
  const packages = dirs.map((rel) => {
    const dir = join(root, rel);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN');
    return { name: pkg.name, version: pkg.version, license, text: licenceText(dir) };
  });
  // One entry per name@version, even when npm installed the same package twice.
  const unique = [...new Map(packages.map((p) => [`${p.name}@${p.version}`, p])).values()].sort((a, b) => a.name.localeCompare(b.name));
  const lines = [
    '# Third-party notices',
    '',
    `pg-secure-setup's dist/ contains code from these ${unique.length} packages, bundled at build time.`,
    'Each is listed with its licence as its package.json states it, and its licence file.',
    '',
  ];
  for (const p of unique) {
    lines.push(`## ${p.name} ${p.version}`, '', `License: ${p.license}`, '');
    lines.push(p.text ? ['```text', p.text, '```'].join('\n') : '(the package ships no licence file; see its package.json)', '');
  }
  return lines.join('\n');
}
