/** Commands as a person pastes them into a POSIX shell. */

/**
 * One argument as a POSIX shell word that means exactly those bytes: bare
 * when it holds only safe characters, else in single quotes (nothing is
 * special inside them; a quote is closed, escaped and reopened). A control
 * character (a newline in a path) would break the printed line in two, so
 * such arguments use bash's $'...' form, which names it as \n or \xHH.
 */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./~-]+$/.test(arg) && !arg.startsWith('~')) return arg;
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f]/.test(arg)) return `'${arg.replace(/'/g, `'\\''`)}'`;
  const named: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', "'": "\\'", '\\': '\\\\' };
  // eslint-disable-next-line no-control-regex
  return `$'${arg.replace(/[\x00-\x1f\x7f'\\]/g, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** An argv array as a line a person can paste into a POSIX shell. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
