import test from 'ava';
import { confIncludes, confSettings, parseConf, sameSettingValue, settingIsOn, withIncludeLine } from '../../src/pg/conf.js';

const parses = test.macro({
  exec(t, line: string, want: { name: string; value: string; quoted: boolean } | 'problem' | undefined) {
    const { entries, problems } = parseConf(line);
    if (want === 'problem') t.is(problems.length, 1, JSON.stringify(entries));
    else if (want === undefined) t.deepEqual([entries, problems], [[], []]);
    else t.like(entries[0], want);
  },
  title: (given, line: string) => given ?? `postgresql.conf line ${JSON.stringify(line)}`,
});

// 19.1.2: one parameter per line, = optional, # comments, single-quoted strings.
test(parses, "ssl = on", { name: 'ssl', value: 'on', quoted: false });
test(parses, 'ssl on', { name: 'ssl', value: 'on', quoted: false });
test(parses, "  SSL_Cert_File='server.crt'   # the leaf", { name: 'ssl_cert_file', value: 'server.crt', quoted: true });
test(parses, "ssl_ciphers = 'HIGH:!aNULL'", { name: 'ssl_ciphers', value: 'HIGH:!aNULL', quoted: true });
test(parses, "search_path = '\"$user\", public'", { name: 'search_path', value: '"$user", public', quoted: true });
test(parses, "x = 'it''s'", { name: 'x', value: "it's", quoted: true });
test(parses, "x = 'it\\'s'", { name: 'x', value: "it's", quoted: true });
test(parses, "x = 'a#b' # c", { name: 'x', value: 'a#b', quoted: true });
test(parses, "include_dir 'conf.d'", { name: 'include_dir', value: 'conf.d', quoted: true });
test(parses, 'shared_buffers = 128MB\r', { name: 'shared_buffers', value: '128MB', quoted: false });
test(parses, '# ssl = on', undefined);
test(parses, '   ', undefined);
test(parses, "x = 'open", 'problem');
test(parses, 'x = 1 2', 'problem');
test(parses, '= 1', 'problem');

test('the last setting of a name wins; directives are not settings', (t) => {
  const s = confSettings("ssl = off\ninclude 'x.conf'\nSSL = on\n");
  t.is(s.get('ssl')?.value, 'on');
  t.is(s.get('ssl')?.line, 3);
  t.false(s.has('include'));
  t.deepEqual(
    confIncludes("include 'a'\ninclude_dir = 'conf.d'\ninclude_if_exists 'b'\nx = 1").map((e) => [e.name, e.value]),
    [['include', 'a'], ['include_dir', 'conf.d'], ['include_if_exists', 'b']],
  );
});

test('withIncludeLine appends one include line, last, and only once', (t) => {
  const once = withIncludeLine('port = 5432\n', 'pg-secure-setup.conf', 'why');
  t.is(once, "port = 5432\n\n# why\ninclude 'pg-secure-setup.conf'\n");
  t.is(withIncludeLine(once, 'pg-secure-setup.conf', 'why'), once);
  t.is(withIncludeLine("include = 'pg-secure-setup.conf'\n", 'pg-secure-setup.conf', 'why'), "include = 'pg-secure-setup.conf'\n");
  t.is(withIncludeLine('port = 5432', 'f.conf', 'why'), "port = 5432\n\n# why\ninclude 'f.conf'\n", 'a missing final newline is added first');
  t.is(withIncludeLine('a = 1\r\n', 'f.conf', 'why'), "a = 1\r\n\r\n# why\r\ninclude 'f.conf'\r\n", 'CRLF files stay CRLF');
  t.is(withIncludeLine("# include 'f.conf'\n", 'f.conf', 'w'), "# include 'f.conf'\n\n# w\ninclude 'f.conf'\n", 'a commented-out include does not count');
});

const same = test.macro({
  exec(t, shown: string, written: string, want: boolean) {
    t.is(sameSettingValue(shown, written), want);
  },
  title: (_, shown: string, written: string, want: boolean) => `postgres -C "${shown}" ${want ? 'matches' : 'does not match'} "${written}"`,
});
test(same, 'on', 'on', true);
test(same, 'on', 'true', true);
test(same, 'on', 'yes', true);
test(same, 'off', '0', true);
test(same, 'on', 'off', false);
test(same, 'TLSv1.2', 'tlsv1.2', true);
test(same, 'scram-sha-256', 'md5', false);
test(same, 'server.crt', 'server.crt', true);

test('a boolean setting is on in every spelling the server takes as on (19.1.1), and in no other', (t) => {
  for (const on of ['on', 'ON', 'true', 'tru', 't', 'yes', 'Y', '1', ' on ']) t.true(settingIsOn(on), on);
  for (const off of ['off', 'of', 'o', 'false', 'f', 'no', '0', 'onn', '', 'enabled']) t.false(settingIsOn(off), off);
});
