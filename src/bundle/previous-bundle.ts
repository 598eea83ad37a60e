/**
 * `--force` replaces a previous bundle, nothing else: a directory that
 * holds a bundle's answers.json and conf/ files and nothing a bundle does
 * not hold. A home directory or a project given as --out by mistake is
 * refused, not deleted.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a bundle's top level may hold: apply.sh, answers.json, README.md and
 * the directories generate makes (servers/ for several servers), plus what living with it adds
 * (`revoke` keeps revoked clients in revoked/, `rotate-ca` its phase in
 * rollover.json).
 */
const BUNDLE_ENTRIES: ReadonlySet<string> = new Set(['answers.json', 'apply.sh', 'README.md', 'ca', 'clients', 'conf', 'server', 'servers', 'revoked', 'rollover.json']);

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** Why the non-empty directory `dir` is not a previous bundle --force may replace; undefined when it is one. */
export function previousBundleProblem(dir: string): string | undefined {
  const answers = join(dir, 'answers.json');
  if (!isFile(answers) || !isFile(join(dir, 'conf', 'pg_hba.conf')) || !isFile(join(dir, 'conf', 'pg-secure-setup.conf'))) {
    return 'is not a previous pg-secure-setup bundle (no answers.json and conf/ files in it), and --force replaces only a bundle: choose another directory';
  }
  try {
    const data: unknown = JSON.parse(readFileSync(answers, 'utf8'));
    if (typeof data !== 'object' || data === null || !('pgVersion' in data)) throw new Error('no pgVersion');
  } catch {
    return 'has an answers.json that is not a bundle\'s, and --force replaces only a bundle: choose another directory';
  }
  const strangers = readdirSync(dir).filter((name) => !BUNDLE_ENTRIES.has(name));
  if (strangers.length > 0) {
    const shown = strangers.slice(0, 3).map((n) => `"${n}"`).join(', ');
    return `holds ${shown}${strangers.length > 3 ? ` and ${strangers.length - 3} more` : ''}, which a bundle does not, so --force will not delete it: move those away or choose another directory`;
  }
  return undefined;
}
