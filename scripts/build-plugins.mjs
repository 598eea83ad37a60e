/**
 * esbuild plugins for the published bundle: what bundling changes in the
 * libraries it takes in. Each rewrite checks the source still has the shape
 * it expects and stops the build otherwise.
 */
import { readFile } from 'node:fs/promises';

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
