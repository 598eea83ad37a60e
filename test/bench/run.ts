/**
 * `npm run bench`: every benchmark, each reporting ratios against a baseline
 * measured in the same run (the machines are noisy). Needs the build
 * (`npm run build`), which `npm run bench` does first. The CLI benchmarks
 * time the package as npx gets it: packed and installed into an empty prefix.
 * `npm run bench -- wizard` runs only the benchmarks whose name has "wizard".
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packAndInstall } from '../helpers/installed-package.js';

const installed = await packAndInstall();

/** Each benchmark takes the installed command (those that start the CLI use it). */
const benches: [file: string, exportName: string, args: unknown[]][] = [
  ['./package.bench.ts', 'benchPackage', [installed]],
  ['./generate.bench.ts', 'benchGenerate', [7, installed.bin]],
  ['./issue.bench.ts', 'benchIssue', [9, installed.bin]],
  ['./hba.bench.ts', 'benchHba', []],
  ['./wizard.bench.ts', 'benchWizard', [7, installed.bin]],
  ['./lab.bench.ts', 'benchLab', []],
];

const only = process.argv.slice(2);
try {
  for (const [file, name, args] of benches) {
    if (only.length && !only.some((o) => file.includes(o))) continue;
    if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) continue;
    const mod = (await import(file)) as Record<string, (...a: unknown[]) => Promise<string>>;
    const fn = mod[name];
    if (!fn) throw new Error(`${file} does not export ${name}`);
    console.log((await fn(...args)) + '\n');
  }
} finally {
  await installed.remove();
}
