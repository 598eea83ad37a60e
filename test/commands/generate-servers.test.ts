/** `generate --server NAME=HOST[,HOST...]`: one certificate per server from one CA, and the inputs that cannot work. */
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { schemaProblem } from '../helpers/k8s-schema.js';
import { parseYamlStream } from '../helpers/yaml.js';

test('each server gets its own key and certificate with its own names, from the one CA; the primary\'s is the bundle\'s server/', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-servers-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const out = join(work, 'b');
  const r = await runCli(['generate', '--out', out, '-q', '--server', 'db1=DB1.example.com,10.0.0.5', '--server', 'db2=db2.example.com,[fd00::6]', '--client-user', 'app']);
  t.is(r.code, 0, r.stderr);
  const root = new X509Certificate(await readFile(join(out, 'ca', 'root.crt')));
  const names: Record<string, [string, string]> = { db1: ['db1.example.com', '10.0.0.5'], db2: ['db2.example.com', 'fd00::6'] };
  for (const [name, [dns, ip]] of Object.entries(names)) {
    const cert = new X509Certificate(await readFile(join(out, 'servers', name, 'server.crt')));
    t.true(cert.verify(root.publicKey), `${name} is signed by the bundle's CA`);
    t.is(cert.checkHost(dns), dns);
    t.is(cert.checkIP(ip), ip);
    t.is((await stat(join(out, 'servers', name, 'server.key'))).mode & 0o777, 0o600);
  }
  t.is(new X509Certificate(await readFile(join(out, 'servers', 'db2', 'server.crt'))).checkHost('db1.example.com'), undefined, 'db2 does not answer for db1');
  t.deepEqual(await readFile(join(out, 'servers', 'db1', 'server.crt')), await readFile(join(out, 'server', 'server.crt')));
  t.like(JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')), { servers: ['db1=db1.example.com,10.0.0.5', 'db2=db2.example.com,fd00::6'], hosts: ['db1.example.com', '10.0.0.5'] });
  const readme = await readFile(join(out, 'README.md'), 'utf8');
  t.regex(readme, /apply \. --server db1 --pgdata \S+ +# db1\.example\.com, 10\.0\.0\.5 \(primary\)/);
  t.regex(readme, /apply \. --server db2 --pgdata \S+ +# db2\.example\.com, fd00::6\n/);
});

test('bad servers: exit 2 naming the problem, nothing written', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-servers-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const out = join(work, 'b');
  const cases: [string[], RegExp][] = [
    [['--server', 'db1=a.test', '--server', 'db1=b.test'], /two servers are named "db1"/],
    [['--server', 'db1=a.test,10.0.0.1', '--server', 'db2=b.test,10.0.0.1'], /10\.0\.0\.1 is a host of both db1 and db2/],
    [['--server', 'db1=A.test', '--server', 'db2=a.test'], /a\.test is a host of both db1 and db2/],
    [['--server', 'db1'], /"db1": give NAME=HOST\[,HOST\.\.\.\]/],
    [['--server', 'Db1=a.test'], /"Db1": a server's name is lower-case/],
    [['--server', 'db1=a.test,bad host'], /db1: .*bad host/],
    [['--server', 'db1=a.test', '--host', 'b.test'], /with --server, the hosts are the first server's/],
    [['--server', 'db1=a.test', '--pki', 'self-signed'], /several servers need one CA/],
  ];
  for (const [args, why] of cases) {
    const r = await runCli(['generate', '--out', out, '-q', ...args]);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, why);
    await t.throwsAsync(stat(out), undefined, `${args.join(' ')} wrote nothing`);
  }
});

test('renew --server NAME: that server\'s certificate alone, under its new names; the primary\'s stays the bundle\'s server/', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-servers-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const out = join(work, 'b');
  t.is((await runCli(['generate', '--out', out, '-q', '--server', 'db1=a.test', '--server', 'db2=b.test'])).code, 0);
  const unnamed = await runCli(['renew', out]);
  t.is(unnamed.code, 2);
  t.regex(unnamed.stderr, /the bundle's servers are db1, db2; name the one to renew with --server NAME/);
  const shared = await runCli(['renew', out, '--server', 'db2', '--host', 'a.test']);
  t.is(shared.code, 2);
  t.regex(shared.stderr, /a\.test is a host of both db1 and db2/);

  const db1 = await readFile(join(out, 'servers', 'db1', 'server.crt'));
  const r = await runCli(['renew', out, '--server', 'db2', '--host', 'c.test']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /apply .* --server db2 --pgdata/);
  t.is(new X509Certificate(await readFile(join(out, 'servers', 'db2', 'server.crt'))).checkHost('c.test'), 'c.test');
  t.deepEqual(await readFile(join(out, 'servers', 'db1', 'server.crt')), db1, 'db1 untouched');
  t.like(JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')), { servers: ['db1=a.test', 'db2=c.test'], hosts: ['a.test'] });

  const p = await runCli(['renew', out, '--server', 'db1', '--new-key']);
  t.is(p.code, 0, p.stderr);
  t.deepEqual(await readFile(join(out, 'server', 'server.crt')), await readFile(join(out, 'servers', 'db1', 'server.crt')));
  t.deepEqual(await readFile(join(out, 'server', 'server.key')), await readFile(join(out, 'servers', 'db1', 'server.key')));
  t.notDeepEqual(await readFile(join(out, 'servers', 'db1', 'server.crt')), db1);
});

test('status lists every server\'s certificate; export --to kubernetes-secrets gives each server its secret', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-servers-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const out = join(work, 'b');
  t.is((await runCli(['generate', '--out', out, '-q', '--server', 'db1=a.test', '--server', 'db2=b.test', '--server', 'db3=c.test', '--client-user', 'app'])).code, 0);
  const s = await runCli(['status', out]);
  t.is(s.code, 0, s.stderr);
  t.regex(s.stdout, /server \(db2\) .*\(servers\/db2\/server\.crt\)/);
  t.regex(s.stdout, /server \(db3\) .*\(servers\/db3\/server\.crt\)/);
  const e = await runCli(['export', out, '--to', 'kubernetes-secrets']);
  t.is(e.code, 0, e.stderr);
  const docs = parseYamlStream(e.stdout) as { metadata: { name: string }; data: Record<string, string> }[];
  t.deepEqual(docs.map((d) => d.metadata.name), ['postgresql-server-tls', 'postgresql-server-db2-tls', 'postgresql-server-db3-tls', 'postgresql-client-app']);
  t.deepEqual(Buffer.from(docs[2]!.data['tls.key']!, 'base64'), await readFile(join(out, 'servers', 'db3', 'server.key')));
  const cnpg = await runCli(['export', out, '--to', 'kubernetes', '--replication-role', 'app']);
  t.is(cnpg.code, 0, cnpg.stderr);
  for (const o of [...docs, ...parseYamlStream(cnpg.stdout)] as Record<string, unknown>[]) t.is(schemaProblem(o), undefined);
});

test('rotate-ca switch re-issues every server\'s certificate from the new CA, each under its own names', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-servers-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const out = join(work, 'b');
  t.is((await runCli(['generate', '--out', out, '-q', '--server', 'db1=a.test', '--server', 'db2=b.test'])).code, 0);
  for (const phase of ['trust', 'switch']) {
    const r = await runCli(['rotate-ca', out, '--phase', phase]);
    t.is(r.code, 0, `${phase}: ${r.stderr}`);
  }
  const next = new X509Certificate(await readFile(join(out, 'ca', 'next', 'root.crt')));
  for (const [dir, host] of [['server', 'a.test'], ['servers/db1', 'a.test'], ['servers/db2', 'b.test']] as const) {
    const cert = new X509Certificate(await readFile(join(out, dir, 'server.crt')));
    t.true(cert.verify(next.publicKey), `${dir} is signed by the new CA`);
    t.is(cert.checkHost(host), host);
  }
});

test('a bundle of several servers: the next steps give each server its own apply.sh --server line', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-servers-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const out = join(work, 'b');
  const r = await runCli(['generate', '--out', out, '--server', 'db1=a.test', '--server', 'db2=b.test'], { cwd: work });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /Next, on each server, its own line:\n {2}cd b && sudo \.\/apply\.sh --server db1 \S+ \S+\n {2}cd b && sudo \.\/apply\.sh --server db2 /);
  t.regex(await readFile(join(out, 'README.md'), 'utf8'), /sudo \.\/apply\.sh --server db1 /);
});
