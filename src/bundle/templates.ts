/** Reads the text templates of generated files from templates/. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-info.js';
import { TEMPLATE_NAMES, type TemplateName, type Templates } from '../plan/template.js';

let cache: Promise<Templates> | undefined;

export function loadTemplates(): Promise<Templates> {
  cache ??= (async () => {
    const entries = await Promise.all(
      TEMPLATE_NAMES.map(async (name) => [name, await readFile(join(PACKAGE_ROOT, 'templates', `${name}.tmpl`), 'utf8')] as const),
    );
    return Object.fromEntries(entries) as Record<TemplateName, string>;
  })();
  return cache;
}
