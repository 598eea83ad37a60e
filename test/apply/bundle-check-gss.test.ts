/** The bundle check knows generate's GSSAPI output: its rules and krb_server_keyfile pass; looser gss rules and paths out of the data directory do not. */
import test from 'ava';
import { checkBundleRules, checkBundleSettings } from '../../src/apply/bundle-check.js';

test("generate's gss rules pass; a gss rule open to every realm or over plaintext is refused", (t) => {
  const ok = 'hostgssenc all all 10.0.0.0/8 gss include_realm=0 krb_realm=EXAMPLE.COM\nhostgssenc replication all 10.0.0.0/8 gss map=pg-secure-setup\nhostnossl all all all reject\n';
  t.deepEqual(checkBundleRules(ok, {}), []);
  const loose = checkBundleRules('hostgssenc all all 10.0.0.0/8 gss\nhost all all 10.0.0.0/8 gss include_realm=0 krb_realm=EXAMPLE.COM\nhostgssenc all all all gss map=other\n', {});
  t.deepEqual(loose.map((p) => p.where), ['conf/pg_hba.conf:1', 'conf/pg_hba.conf:2', 'conf/pg_hba.conf:3']);
  t.regex(loose[0]!.message, /--allow-edited-rules/);
});

test('krb_server_keyfile is a bundle setting, kept inside the data directory', (t) => {
  t.deepEqual(checkBundleSettings("krb_server_keyfile = 'krb5.keytab'\n", {}), []);
  const out = checkBundleSettings("krb_server_keyfile = '../../etc/krb5.keytab'\n", {});
  t.is(out.length, 1);
  t.regex(out[0]!.message, /krb_server_keyfile = '\.\.\/\.\.\/etc\/krb5\.keytab' climbs out with "\.\."/);
});
