/** The tool's own package: version and where templates live (from src/, tsc's dist/ or a bundled chunk). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest directory above this module holding our package.json: a
 * bundled chunk may sit at any depth under dist/, so no fixed '..'.
 */
function findPackageRoot(start: string): { root: string; version: string } {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'pg-secure-setup' && typeof pkg.version === 'string') return { root: dir, version: pkg.version };
    } catch {
      // no package.json here (or not ours): look one level up
    }
    if (dirname(dir) === dir) throw new Error(`pg-secure-setup's package.json not found above ${start}`);
  }
}

const found = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The package's root directory (where package.json and templates/ are). */
export const PACKAGE_ROOT: string = found.root;

/** The version in package.json, as `--version` prints it. */
export const TOOL_VERSION: string = found.version;
