/** The passphrase-protected key's settings and checks (19.3.3). */
import test from 'ava';
import { checkPassphrase, checkPassphraseCommand, passphraseSettings } from '../../src/plan/key-passphrase.js';

test('a command that can run at reload sets supports_reload on; systemd-ask-password (a console at start only) sets it off', (t) => {
  const reload = (cmd: string) => passphraseSettings(cmd).find((s) => s.name === 'ssl_passphrase_command_supports_reload')!.value;
  t.is(reload('cat /etc/postgresql/key.pass'), true);
  t.is(reload('/bin/systemd-ask-password "%p"'), false);
  t.is(passphraseSettings('vault kv get -field=p secret/pg')[0]!.value, 'vault kv get -field=p secret/pg');
});

test('commands and passphrases that cannot work are refused with the reason', (t) => {
  t.regex(checkPassphraseCommand('')!, /is empty/);
  t.regex(checkPassphraseCommand('cat a\ncat b')!, /one line/);
  t.is(checkPassphraseCommand('cat /root/pass'), undefined);
  t.regex(checkPassphrase('abc')!, /shorter than 4/);
  t.regex(checkPassphrase('two\nlines')!, /one line/);
  t.is(checkPassphrase('cellar door'), undefined);
});
