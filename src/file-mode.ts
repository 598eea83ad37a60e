/** A file mode as four octal digits (0600, 2750), as chmod and install take it. */
export function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
