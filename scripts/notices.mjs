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

/** The first comment naming a copyright in the package's bundled files (the build drops such comments). */
function copyrightComment(root, files) {
  for (const file of files) {
    const m = /\/\*[\s\S]*?Copyright[\s\S]*?\*\//.exec(readFileSync(join(root, file), 'utf8'));
    if (m) return m[0].replace(/^\s*\/?\*+\/? ?/gm, '').trim();
  }
  return undefined;
}

/** The text of the package's licence file, else its README's licence section, if it has either. */
function licenceText(dir) {
  const files = readdirSync(dir);
  const file = files.find((f) => /^(licen[cs]e|copying)([-.][\w.-]+)?$/i.test(f));
  if (file) return readFileSync(join(dir, file), 'utf8').trim();
  const readme = files.find((f) => /^readme(\.md)?$/i.test(f));
  const section = readme ? /^#+\s*licen[cs]e\s*\n([\s\S]*?)(?=^#|(?![\s\S]))/im.exec(readFileSync(join(dir, readme), 'utf8')) : null;
  return section?.[1]?.trim() || undefined;
}

/** Markdown naming each bundled package once, sorted by name, with its licence text. */
export function thirdPartyNotices(root, inputs) {
  const dirs = [...new Set(inputs.map(packageDir).filter((d) => d !== undefined))];
  const packages = dirs.map((rel) => {
    const dir = join(root, rel);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN');
    const text = licenceText(dir) ?? copyrightComment(root, inputs.filter((i) => packageDir(i) === rel));
    return { name: pkg.name, version: pkg.version, license, text };
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
    lines.push(p.text ? ['```text', p.text, '```'].join('\n') : '(the package ships no licence text; its package.json names the licence above)', '');
  }
  return lines.join('\n');
}
