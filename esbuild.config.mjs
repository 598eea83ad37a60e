/**
 * Build dist/: the CLI and everything it imports (ink, react, @inkjs/ui,
 * @inquirer/prompts, node-forge, pg, diff) bundled by esbuild into ES
 * modules, so the published package has no runtime dependencies and
 * `npx pg-secure-setup` fetches one tarball. Code splitting keeps start-up
 * lazy: each command is its own chunk, the Ink UI loads only for the wizard,
 * pg only for commands that connect. Also writes dist/THIRD-PARTY-NOTICES.md
 * for the bundled code. Run: node esbuild.config.mjs (npm run build). Importing this file (as a test
 * does for the plugins) builds nothing.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ── Plugins: what bundling changes in the libraries it takes in ──


/**
 * Ink imports its React devtools bridge (react-devtools-core, ws) only when
 * DEV=true: not for users. A stub keeps ws out of the package; Ink catches
 * the stub's error and says how to get devtools.
 */
export const noInkDevtools = {
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
export const yogaWithoutFetch = {
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

/**
 * string-width 8 (Ink's text measure) builds /^\p{RGI_Emoji}$/v when it
 * loads and compiles it on the first non-ASCII text: together 100-200 ms on
 * this machine, before the wizard's first frame (whose '·', '❯' and '■' are
 * not emoji). Build it on first need instead, and only test a cluster that
 * holds an Emoji_Presentation code point or U+FE0F: every RGI emoji sequence
 * holds one of them (UTS #51: basic emoji, keycaps, flags, modifier, tag and
 * ZWJ sequences), so the widths stay the same.
 */
export const stringWidthLazyEmoji = {
  name: 'string-width-lazy-emoji',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const declaration = 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;';
      // string-width 7 (below wrap-ansi) has no such regex: leave it as it is.
      if (!source.includes('rgiEmojiRegex')) return undefined;
      if (!source.includes(declaration) || source.split('rgiEmojiRegex.test(').length !== 2 || source.split('rgiEmojiRegex').length !== 3) {
        throw new Error(`string-width changed: review ${args.path} and the string-width-lazy-emoji step of scripts/build-plugins.mjs`);
      }
      const lazy = `const mayBeRgiEmoji = /[\\p{Emoji_Presentation}\\uFE0F]/u;
let rgiEmojiCompiled;
const rgiEmojiRegex = {test: (segment) => mayBeRgiEmoji.test(segment) && (rgiEmojiCompiled ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(segment)};`;
      return { contents: source.replace(declaration, () => lazy), loader: 'js' };
    });
  },
};

// ── Third-party notices ──


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

/** Build dist/ from src/cli.ts. */
export async function buildDist() {
  const root = fileURLToPath(new URL('.', import.meta.url));
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
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await buildDist();
