/**
 * A one-line text editor as plain data: the text and where the cursor is.
 * The wizard's reducer keeps one of these for the field being typed in, so
 * editing is tested without a terminal.
 */

/** Text being edited; `cursor` is an index into `text` (0..text.length). */
export interface Line {
  readonly text: string;
  readonly cursor: number;
}

/** What a key does to a line. */
export type LineEdit =
  | { readonly kind: 'insert'; readonly text: string }
  | { readonly kind: 'delete-back' }
  | { readonly kind: 'left' }
  | { readonly kind: 'right' }
  | { readonly kind: 'home' }
  | { readonly kind: 'end' }
  | { readonly kind: 'clear-to-start' };

/** A line holding `text` with the cursor at its end. */
export function lineOf(text: string): Line {
  return { text, cursor: text.length };
}

/** Drop control characters (pasted newlines, tabs, escape sequences' leftovers). */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, '');
}

export function editLine(line: Line, edit: LineEdit): Line {
  const { text, cursor } = line;
  switch (edit.kind) {
    case 'insert': {
      const add = printable(edit.text);
      return { text: text.slice(0, cursor) + add + text.slice(cursor), cursor: cursor + add.length };
    }
    case 'delete-back':
      return cursor === 0 ? line : { text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1 };
    case 'left':
      return { text, cursor: Math.max(0, cursor - 1) };
    case 'right':
      return { text, cursor: Math.min(text.length, cursor + 1) };
    case 'home':
      return { text, cursor: 0 };
    case 'end':
      return { text, cursor: text.length };
    case 'clear-to-start':
      return { text: text.slice(cursor), cursor: 0 };
  }
}
