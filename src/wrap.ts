/**
 * Word wrap for help text and reports. Ink wraps too, but keeps the space it
 * breaks at as the first character of the next line; wrapping here first
 * avoids that.
 */

/**
 * `text` as lines of at most `width` characters, broken at spaces; longer
 * words are split, unless `keepWords` (a path or command that must stay
 * whole to be copied) leaves them on a line of their own.
 */
export function wrapText(text: string, width: number, { keepWords = false } = {}): string[] {
  const max = Math.max(10, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (let word of paragraph.split(/\s+/).filter(Boolean)) {
      while (word.length > max && !keepWords) {
        if (line) lines.push(line);
        lines.push(word.slice(0, max));
        word = word.slice(max);
        line = '';
      }
      if (!line) line = word;
      else if (line.length + 1 + word.length <= max) line += ' ' + word;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}
