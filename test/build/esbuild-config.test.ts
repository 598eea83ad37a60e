/**
 * The build's rewrites of bundled libraries change nothing a user sees:
 * string-width bundled with its emoji regex made lazy measures exactly as
 * the library itself does, emoji or not.
 */
import test from 'ava';
import { build } from 'esbuild';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import stringWidth from 'string-width';
// @ts-expect-error plain ES module without types: the build's own plugins
import { stringWidthLazyEmoji } from '../../esbuild.config.mjs';

type Width = (text: string) => number;

/** Every code point of the given ranges, alone and followed by U+FE0F (emoji presentation). */
function corpus(): string[] {
  const ranges: [number, number][] = [
    [0x20, 0x7e],
    [0xa0, 0x3000],
    [0x3040, 0x30ff],
    [0x4e00, 0x4e2f],
    [0xff00, 0xffef],
    [0x1f000, 0x1faff],
  ];
  const out: string[] = [];
  for (const [from, to] of ranges) {
    for (let cp = from; cp <= to; cp++) {
      const ch = String.fromCodePoint(cp);
      out.push(ch, `${ch}\uFE0F`);
    }
  }
  // Sequences: keycaps (qualified and not), flags, skin tones, ZWJ families, tags, and text around them.
  out.push('#\uFE0F\u20E3', '1\u20E3', '🇩🇪', '🇺🇳', '👍🏽', '👨‍👩‍👧', '🏳️‍🌈', '❤️‍🔥', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'Step 1 of 8 · Where', '❯ ./pg-secure-setup', '■□□□□□□□', 'é', 'e\u0301', '日本語 ok 😀');
  return out;
}

test('string-width with the lazy emoji regex gives the library\'s own widths', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pgss-plugin-'));
  try {
    await build({
      stdin: { contents: "export { default } from 'string-width';", resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.17',
      outfile: join(dir, 'string-width.mjs'),
      plugins: [stringWidthLazyEmoji],
      logLevel: 'silent',
    });
    t.regex(await readFile(join(dir, 'string-width.mjs'), 'utf8'), /mayBeRgiEmoji/, 'the rewrite was applied');
    const lazy = ((await import(pathToFileURL(join(dir, 'string-width.mjs')).href)) as { default: Width }).default;
    const texts = corpus();
    const differ = texts.filter((s) => lazy(s) !== stringWidth(s)).map((s) => `${JSON.stringify(s)}: ${lazy(s)} vs ${stringWidth(s)}`);
    t.deepEqual(differ, []);
    t.true(texts.length > 20_000);
    t.is(lazy('😀'), 2, 'emoji are still double width');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
