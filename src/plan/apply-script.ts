/**
 * The bundle-specific parts of apply.sh: which server's files it installs
 * (a bundle of several takes `--server NAME`), and the bundle's user name
 * map put into the server's pg_ident.conf in the same marked block
 * `pg-secure-setup apply` keeps (20.2 User Name Maps), so either way of
 * installing leaves the same lines.
 */
import type { Answers } from '../answers/answers.js';
import { parseServer } from '../answers/servers.js';
import { IDENT_BEGIN, IDENT_END } from './gss.js';
import { modeText } from '../file-mode.js';
import { shellQuote } from './shell.js';

/** A file the script installs from server/ into the data directory. */
interface ServerFile {
  readonly path: string;
  readonly mode: number;
}

// The server's own certificate and key differ per server; the CA files and the keytab are the bundle's.
const PER_SERVER = new Set(['server/server.crt', 'server/server.key']);

/** Placeholder values of templates/apply.sh.tmpl. */
export function applyScriptValues(a: Pick<Answers, 'servers'>, serverFiles: readonly ServerFile[], hasIdent: boolean): { servers: string; serverFileCommands: string; identCommands: string } {
  const names = (a.servers ?? []).map((s) => parseServer(s).name);
  const serverFileCommands = serverFiles
    .filter((f) => f.path.startsWith('server/'))
    .map((f) => {
      const name = f.path.slice('server/'.length);
      const from = PER_SERVER.has(f.path) && names.length > 0 ? `$server_dir/${name}` : f.path;
      return `put "$here/${from}" "$data/${name}" ${modeText(f.mode)}`;
    })
    .join('\n');
  return { servers: names.join(' '), serverFileCommands, identCommands: hasIdent ? identCommands() : '' };
}

/**
 * Merge conf/pg_ident.conf into the server's file as apply's mergeIdent
 * does: the block replaces an earlier one where it stands, else it is
 * appended; a BEGIN line without its END is kept as it was, the
 * block being the last BEGIN before the first END; each line's fields are joined by two spaces; other bytes stay
 * (awk in the C locale passes Latin-1 bytes through).
 */
function identCommands(): string {
  return `step "User name map (pg_ident.conf): the bundle's lines in a marked block; the old file is kept as pg_ident.conf.bak-$stamp"
ident="$conf/pg_ident.conf"
check_target "$ident"
merged=$(mktemp)
trap 'rm -f "$merged"' EXIT
if [ -f "$ident" ]; then as_owner cat "$ident"; fi | LC_ALL=C awk -v b=${shellQuote(IDENT_BEGIN)} -v e=${shellQuote(IDENT_END)} -v blk="$here/conf/pg_ident.conf" '
  function block(  l, n, f, i, out) {
    print b
    while ((getline l < blk) > 0) {
      sub(/#.*/, "", l); n = split(l, f, /[ \\t]+/); out = ""
      for (i = 1; i <= n; i++) if (f[i] != "") out = out (out == "" ? "" : "  ") f[i]
      if (out != "") print out
    }
    print e; done = 1
  }
  skip && index($0, b) == 1 { printf "%s", held; held = $0 "\\n"; next }
  skip { held = held $0 "\\n"; if (index($0, e) == 1) { skip = 0; held = ""; block() } next }
  index($0, b) == 1 && !done { skip = 1; held = $0 "\\n"; next }
  { print }
  END { if (skip) printf "%s", held; if (!done) block() }' > "$merged"
ident_mode=$(stat -c %a "$ident" 2>/dev/null || echo 640)
put "$merged" "$ident" "$ident_mode"

`;
}
