import test from 'ava';
import { dryRunReport, fileDiff, idNames } from '../../src/apply/diff.js';

const st = (s: string, mode = 0o644, uid = 105, gid = 111) => ({ bytes: Buffer.from(s), mode, uid, gid });
const names = idNames({ name: 'postgres', uid: 105, gid: 111, group: 'postgres' });

test('a changed text file is a unified diff', (t) => {
  const d = fileDiff({ path: '/d/pg_hba.conf', before: st('a\nb\n'), after: st('a\nx\nb\n'), secret: false }, names);
  t.is(d, '--- /d/pg_hba.conf\tnow\n+++ /d/pg_hba.conf\tafter\n@@ -1,2 +1,3 @@\n a\n+x\n b');
});

test('a new file says its mode and owner, and diffs from /dev/null', (t) => {
  const d = fileDiff({ path: '/d/x.conf', before: undefined, after: st('ssl = on\n'), secret: false }, names);
  t.regex(d, /^# \/d\/x\.conf: new file, mode 0644, owner postgres:postgres\n--- \/dev\/null\n\+\+\+ \/d\/x\.conf\tafter\n@@ -0,0 \+1,1 @@\n\+ssl = on$/);
});

test('a private key is never shown, only checksums', (t) => {
  const key = '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n';
  const d = fileDiff({ path: '/d/server.key', before: st('old', 0o600), after: st(key, 0o600), secret: true }, names);
  t.notRegex(d, /secret|PRIVATE/);
  t.regex(d, /contents sha256:[0-9a-f]{16} -> sha256:[0-9a-f]{16} \(private: not shown\)/);
});

test('mode and owner changes are listed; an unchanged body has no diff', (t) => {
  const d = fileDiff({ path: '/d/server.key', before: st('k', 0o644, 0, 0), after: st('k', 0o600), secret: true }, names);
  t.is(d, '# /d/server.key: mode 0644 -> 0600\n# /d/server.key: owner root:root -> postgres:postgres');
  t.regex(fileDiff({ path: '/d/f', before: st('k', 0o600, 7, 8), after: st('k', 0o600, 9, 10), secret: false }), /owner 7:8 -> 9:10/);
});

test('a removed file (rollback of a created one)', (t) => {
  t.regex(fileDiff({ path: '/d/server.crt', before: st('C\n'), after: undefined, secret: false }, names), /^# \/d\/server\.crt: removed\n--- \/d\/server\.crt\tnow\n\+\+\+ \/dev\/null/);
});

test('the report ends with the commands and says nothing changed', (t) => {
  const r = dryRunReport([], [{ argv: ['pg_ctl', 'reload', '-D', '/data dir'], as: 'postgres' }], names);
  t.is(r, "\nCommands:\n  [as postgres] pg_ctl reload -D '/data dir'\n\nDry run: nothing was changed.\n");
});
