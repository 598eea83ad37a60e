#!/usr/bin/env node
/**
 * Build dist/: the CLI and everything it imports (ink, react, @inkjs/ui,
 * @inquirer/prompts, node-forge, pg, diff) bundled by esbuild into ES
 * modules, so the published package has no runtime dependencies and
 * `npx pg-secure-setup` fetches one tarball. Code splitting keeps start-up
 * lazy: each command is its own chunk, the Ink UI loads only for the wizard,
 * pg only for commands that connect. Also writes dist/THIRD-PARTY-NOTICES.md
 * for the bundled code. Run: node scripts/build.mjs (npm run build).
 */
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { noInkDevtools, stringWidthLazyEmoji, yogaWithoutFetch } from './build-plugins.mjs';
import { thirdPartyNotices } from './notices.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist`;

// tsc's output or an older build must not linger beside the new chunks (and end up in the tarball).
rmSync(outdir, { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.17',
  chunkNames: '[name]-[hash]',
  // Identifiers stay (minifying them measured no faster start-up here) so an unexpected error's stack still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none', // the licences go to THIRD-PARTY-NOTICES.md instead
  metafile: true,
  logLevel: 'warning',
  // React's production build: no development checks on every render.
  define: { 'process.env.NODE_ENV': '"production"' },
  // pg loads its optional libpq binding only when `pg.native` is read; we never do.
  external: ['pg-native'],
  plugins: [noInkDevtools, yogaWithoutFetch, stringWidthLazyEmoji],
  // CommonJS packages (node-forge, pg) call require('crypto') etc.; esbuild's ESM
  // output has no require unless one is made here. Without it loading node-forge
  // fails with 'Dynamic require of "crypto" is not supported', and where such a
  // failure is caught forge uses pure-JS RSA, ten times slower (FIELD-NOTES).
  // test/e2e/npx-package.test.ts counts the keys node:crypto makes.
  banner: { js: "import { createRequire as __pgssCreateRequire } from 'node:module';\nconst require = __pgssCreateRequire(import.meta.url);" },
});

writeFileSync(`${outdir}/THIRD-PARTY-NOTICES.md`, thirdPartyNotices(root, Object.keys(result.metafile.inputs)));
