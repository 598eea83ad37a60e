/**
 * The unit tier (`npm run test:unit`): the tests that need no PostgreSQL, no
 * tmux, no built CLI and no network. A test file leaves the tier by importing
 * a helper that starts a server or runs the CLI, so the tier keeps itself up
 * to date; everything else is the same as package.json's ava settings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const base = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).ava;
const NEEDS_MORE = /from '[./]*(?:helpers\/)?(?:cluster|debian-cluster|cli|apply-helpers|wizard-terminal)\.js'|\btmux\b/;

function tests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'e2e' || e.name === 'fixtures' ? [] : tests(p);
    return /\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

export default {
  ...base,
  files: tests(join(root, 'test'))
    .filter((f) => !NEEDS_MORE.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f)),
};
