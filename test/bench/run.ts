/**
 * `npm run bench`: every benchmark, each reporting ratios against a baseline
 * measured in the same run (the machines are noisy). Needs the build
 * (`npm run build`), which `npm run bench` does first.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benches: [file: string, exportName: string][] = [
  ['./generate.bench.ts', 'benchGenerate'],
  ['./hba.bench.ts', 'benchHba'],
  ['./wizard.bench.ts', 'benchWizard'],
  ['./lab.bench.ts', 'benchLab'],
];

for (const [file, name] of benches) {
  if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) continue;
  const mod = (await import(file)) as Record<string, () => Promise<string>>;
  const fn = mod[name];
  if (!fn) throw new Error(`${file} does not export ${name}`);
  console.log((await fn()) + '\n');
}
