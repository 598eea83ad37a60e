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
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { thirdPartyNotices } from './notices.mjs';

/**
 * Ink imports its React devtools bridge (react-devtools-core, ws) only when
 * DEV=true: not for users. A stub keeps ws out of the package; Ink catches
 * the stub's error and says how to get devtools.
 */
const noInkDevtools = {
  name: 'no-ink-devtools',
  setup(b) {
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) => (/node_modules\/ink\//.test(args.importer) ? { path: 'ink-devtools', namespace: 'stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: "throw new Error('Ink devtools are not bundled into pg-secure-setup');", loader: 'js' }));
  },
};

/**
 * yoga-layout (Ink's layout engine) carries its WebAssembly as a base64 data
 * URI, and its Emscripten loader fetch()es that URI whenever fetch exists.
 * On Node that first fetch loads undici, a large part of the wizard's
 * start-up. Decode the data URI directly instead, as the loader itself does
 * where fetch is missing, and with Buffer rather than its JS loop over a
 * binary string. The build stops if yoga's loader changes shape.
 */
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const isDataUri = /function (\w+)\(a\)\{return a\.startsWith\("data:application\/octet-stream;base64,"\)\}/.exec(source)?.[1];
      const wasmUri = /var (\w+);\1="data:application\/octet-stream;base64,/.exec(source)?.[1];
      const guard = '"function"!=typeof fetch?';
      const decode = /var (\w)=\w+\(a\.slice\(37\)\),(\w)=new Uint8Array\(\1\.length\);for\(a=0;a<\1\.length;\+\+a\)\2\[a\]=\1\.charCodeAt\(a\);var (\w)=\2\}/;
      if (!isDataUri || !wasmUri || !source.includes(guard) || !decode.test(source)) throw new Error(`yoga-layout's loader changed: review ${args.path} and the yoga-without-fetch step of scripts/build.mjs`);
      const contents = source
        .replaceAll(guard, `("function"!=typeof fetch||${isDataUri}(${wasmUri}))?`)
        .replace(decode, (_m, _b, _c, d) => `var ${d}=new Uint8Array(Buffer.from(a.slice(37),"base64"))}`);
      return { contents, loader: 'js' };
    });
  },
};

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
  // Smaller chunks parse faster; names stay so an unexpected error's stack still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none', // the licences go to THIRD-PARTY-NOTICES.md instead
  metafile: true,
  logLevel: 'warning',
  // React's production build: no development checks on every render.
  define: { 'process.env.NODE_ENV': '"production"' },
  // pg loads its optional libpq binding only when `pg.native` is read; we never do.
  external: ['pg-native'],
  plugins: [noInkDevtools, yogaWithoutFetch],
  // CommonJS packages (node-forge, pg) call require('crypto') etc.; esbuild's ESM
  // output has no require unless one is made here. Without it node-forge silently
  // falls back to pure-JS RSA, ten times slower (FIELD-NOTES: node-forge).
  banner: { js: "import { createRequire as __pgssCreateRequire } from 'node:module';\nconst require = __pgssCreateRequire(import.meta.url);" },
});

writeFileSync(`${outdir}/THIRD-PARTY-NOTICES.md`, thirdPartyNotices(root, Object.keys(result.metafile.inputs)));
