import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, runCli } from '../helpers/cli.js';

const run = promisify(execFile);

/** Each bad input exits 2 with a message naming the problem, and writes nothing. */
const badInput = test.macro({
  async exec(t, args: string[], message: RegExp, files: Record<string, string> = {}) {
    const cwd = await mkdtemp(join(tmpdir(), 'pgss-bad-'));
    try {
      for (const [name, text] of Object.entries(files)) {
        await mkdir(dirname(join(cwd, name)), { recursive: true });
        await writeFile(join(cwd, name), text);
      }
      const before = (await readdir(cwd)).sort();
      const r = await runCli(['generate', '--out', 'bundle', ...args], { cwd });
      t.is(r.code, 2, r.stderr);
      t.regex(r.stderr, message);
      t.notRegex(r.stderr, /\n\s+at /, 'no stack trace for bad input');
      t.deepEqual((await readdir(cwd)).sort(), before, 'nothing written');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  },
  title: (given, args: string[], _m, files: Record<string, string> = {}) =>
    given ?? `generate ${args.join(' ')}${Object.keys(files).length ? ` (${Object.values(files).join(' ')})` : ''} exits 2 and writes nothing`,
});

test(badInput, ['--host', 'db_1.example.com'], /hosts.*"db_1\.example\.com" is not a valid host name/);
test(badInput, ['--host', '999.1.1.1'], /not a valid IPv4 address/);
test(badInput, ['--network', '10.0.0.0/33'], /networks.*IPv4 prefix length is 0-32/);
test(badInput, ['--network', '10.1.2.3'], /needs a prefix length/);
test(badInput, ['--client-user', 'pg_admin'], /clientUsers.*reserved for PostgreSQL/);
test(badInput, ['--client-user', 'bad name'], /not a usable role name/);
test(badInput, ['--pg-version', '11'], /--pg-version: "11" is not one of 12, 13, 14, 15, 16, 17, 18/);
test(badInput, ['--days', '0'], /days.*1 to 3650/);
test(badInput, ['--days', 'soon'], /--days: "soon" is not a whole number/);
test(badInput, ['--port', '0'], /port: 0 is not a TCP port \(a whole number from 1 to 65535\)/);
test(badInput, ['--port', '65536'], /port: 65536 is not a TCP port/);
test(badInput, ['--port', '5432x'], /--port: "5432x" is not a whole number/);
test(badInput, ['--key-bits', '1024'], /--key-bits: "1024" is not one of 2048, 3072, 4096/);
test(badInput, ['--min-tls', 'TLSv1.1'], /--min-tls: "TLSv1.1" is not one of TLSv1.2, TLSv1.3/);
test(badInput, ['--client-certs', 'sometimes'], /--client-certs: "sometimes" is not one of none/);
test(badInput, ['--pki', 'self-signed', '--client-certs', 'cert'], /clientCerts: "cert" needs a CA/);
test(badInput, ['--colour', 'red'], /Unknown option '--colour'/);
test(badInput, ['--transport', 'kerberos'], /--transport: "kerberos" is not one of tls, gssapi, both/);
test(badInput, ['--transport', 'gssapi'], /krbRealm: transport "gssapi" needs the site's Kerberos realm \(--krb-realm REALM\)/);
test(badInput, ['--transport', 'both', '--krb-realm', 'EXAMPLE.COM'], /krbKeytab: transport "both" needs the server's keytab for postgres\/HOST@EXAMPLE\.COM/);
test(badInput, ['--transport', 'gssapi', '--krb-realm', 'EXAMPLE.COM', '--krb-keytab', 'missing.keytab'], /--krb-keytab missing\.keytab: cannot read it \(ENOENT\); nothing was written/);
test(badInput, ['--transport', 'gssapi', '--krb-realm', 'EXAMPLE.COM', '--krb-keytab', 'notes.txt'], /--krb-keytab notes\.txt: not a Kerberos keytab/, { 'notes.txt': 'hello' });
test(badInput, ['--transport', 'gssapi', '--krb-realm', 'EXAMPLE COM', '--krb-keytab', 'k'], /krbRealm: "EXAMPLE COM" is not a Kerberos realm/);
test(badInput, ['--transport', 'gssapi', '--krb-realm', 'EXAMPLE.COM', '--krb-keytab', 'k', '--gss-map', 'eve@OTHER.ORG=postgres'], /gssMaps: "eve@OTHER\.ORG" is not in the realm EXAMPLE\.COM/, { k: '\x05\x02' });
test(badInput, ['--krb-realm', 'EXAMPLE.COM'], /krbRealm: is for GSSAPI: choose transport "gssapi" or "both" \(--transport gssapi\)/);
test(badInput, ['--server-key-passphrase-stdin'], /--server-key-passphrase-stdin needs --server-key-passphrase-command CMD/);
test(badInput, ['--server-key-passphrase-command', ' '], /--server-key-passphrase-command is empty: name the command/);
test(badInput, ['--server-key-passphrase-command', 'cat /etc/pg/pass'], /needs the passphrase: pass --server-key-passphrase-stdin and pipe it in, or run on a terminal/);
test(badInput, ['--server-key-passphrase-command', 'cat /etc/pg/pass', '--server-key-passphrase-stdin'], /passphrase is shorter than 4 characters \(OpenSSL refuses shorter ones\); nothing was written/);
test(badInput, ['--answers', 'missing.json'], /--answers missing\.json: cannot read it \(ENOENT\)/);
test(badInput, ['--answers', 'a.json'], /a\.json: not valid JSON/, { 'a.json': '{"pki": ' });
test(badInput, ['--answers', 'a.json'], /a\.json: days: must be a number/, { 'a.json': '{"days": "90"}' });
test(badInput, ['--answers', 'a.json'], /a\.json: password: unknown answer/, { 'a.json': '{"password": "x"}' });
test('generate into a non-empty --out without --force exits 2 and keeps the files', badInput, [], /directory exists and is not empty.*--force/, { 'bundle/keep.txt': 'mine' });
test('an --out that is a file exits 2', badInput, [], /exists and is not a directory/, { bundle: 'a file' });
const many = (n: number, item: (i: number) => string) => Array.from({ length: n }, (_, i) => item(i));
const answersWith = (data: Record<string, unknown>) => JSON.stringify(data);

test(badInput, ['--host', 'DB.example.com', '--host', 'db.example.com.'], /hosts: "db\.example\.com" is listed twice/);
test(badInput, ['--host', '::1', '--host', '[0:0::1]'], /hosts: "::1" is listed twice/);
test(badInput, ['--answers', 'a.json'], /a\.json: hosts: "\[::1\]" is the same as "::1", listed before/, { 'a.json': answersWith({ hosts: ['::1', '[::1]'] }) });
test('80,000 hosts are refused at once with the bound', badInput, ['--answers', 'a.json'], /a\.json: hosts: 80000 entries; at most 100 \(each goes into the server certificate/, {
  'a.json': answersWith({ hosts: many(80_000, (i) => `h${i}.x`) }),
});
test('101 networks are refused with the bound', badInput, ['--answers', 'a.json'], /networks: 101 entries; at most 100/, { 'a.json': answersWith({ networks: many(101, (i) => `10.${i}.0.0/16`) }) });
test('201 client users are refused with the bound', badInput, ['--answers', 'a.json'], /clientUsers: 201 entries; at most 200/, { 'a.json': answersWith({ clientUsers: many(201, (i) => `r${i}`) }) });
test(badInput, ['--host', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}.example`], /is longer than 253 characters/);
test('an answers file over 1 MiB is refused unread', badInput, ['--answers', 'a.json'], /--answers a\.json: \d+ bytes; an answers file is at most 1048576/, { 'a.json': `{"hosts": [${' '.repeat(1 << 20)}]}` });
test('--force on a directory that is not a bundle (a home directory) exits 2 and keeps it', badInput, ['--force'], /--out bundle: is not a previous pg-secure-setup bundle[^\n]*--force replaces only a bundle/, {
  'bundle/.bashrc': 'mine',
  'bundle/notes.txt': 'mine',
});
test('--force on a bundle holding files of the user exits 2 and keeps them', badInput, ['--force'], /--out bundle: holds "notes\.txt", which a bundle does not, so --force will not delete it/, {
  'bundle/answers.json': '{"pgVersion": 15}',
  'bundle/conf/pg_hba.conf': '',
  'bundle/conf/pg-secure-setup.conf': '',
  'bundle/notes.txt': 'mine',
});
test('--save-answers into a directory that does not exist: no bundle either', badInput, ['--save-answers', 'nowhere/a.json'], /--save-answers nowhere\/a\.json: the directory [^\n]*nowhere does not exist; nothing was written/);
test('--save-answers naming a directory: no bundle either', badInput, ['--save-answers', 'd'], /--save-answers d: exists and is not a regular file; nothing was written/, { 'd/x': '' });
test('--save-answers onto an existing file without --force', badInput, ['--save-answers', 'a.json'], /--save-answers a\.json: file exists; pass --force/, { 'a.json': '{}' });

test('--save-answers into a directory the user cannot write (run as nobody): no bundle either', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-save-'));
  try {
    await chmod(work, 0o777); // nobody may write the bundle here, but not in locked/
    await mkdir(join(work, 'locked'), { mode: 0o755 });
    const r = await run('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'generate', '--out', join(work, 'b'), '-q', '--pki', 'self-signed', '--host', 'localhost', '--save-answers', join(work, 'locked', 'a.json')], { env: { ...process.env, NO_COLOR: '1' } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    t.is(r.code, 2);
    t.regex(r.stderr, /--save-answers [^\n]*locked\/a\.json: cannot write in [^\n]*locked \(EACCES\); nothing was written/);
    t.deepEqual((await readdir(work)).sort(), ['locked']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('an unknown command exits 2', async (t) => {
  const r = await runCli(['frobnicate']);
  t.is(r.code, 2);
  t.regex(r.stderr, /unknown command "frobnicate"/);
});
