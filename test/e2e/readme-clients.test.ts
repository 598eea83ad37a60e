/**
 * The bundle README followed literally by every client it names, against a
 * real PostgreSQL 15 on a port other than 5432: `generate --connect` learns
 * the port, the project's own `apply` installs the bundle, then each role's
 * copy block and each client's example run as written (taken from the
 * README's text) in a fresh HOME: psql, psycopg2 (python3), pgJDBC (java)
 * and node-postgres. Each must show TLS with alice's certificate; without a
 * certificate, or dialling a name the certificate lacks, each must fail with
 * its own real message. Needs java with /usr/share/java/postgresql.jar and
 * python3 with psycopg2 (.ci/run installs them).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { blocks, markdownProblems, section, type ReadmeBlock } from '../helpers/readme.js';
import { cli, PASSWORD, sslIs } from './apply-helpers.js';

const run = promisify(execFile);
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const PYTHON = '/usr/bin/python3';
const ready = existsSync('/usr/share/java/postgresql.jar') && existsSync('/usr/bin/java') && existsSync(PYTHON);
// One at a time: each Java run compiles its program, and the machine's cores are shared.
const e2e = ready ? test.serial : test.serial.skip;

let cluster: Cluster | undefined;
let work = '';
let readme = '';
/** A second server with a self-signed bundle: no client certificates, only root.crt to copy. */
let selfSigned: { cluster: Cluster; bundle: string; readme: string } | undefined;

/** A cluster with alice (SCRAM password), a bundle made for it with `generate --connect`, installed with `apply`. */
async function server(name: string, args: string[]): Promise<{ cluster: Cluster; bundle: string; readme: string }> {
  const c = await startCluster();
  await c.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'; CREATE ROLE alice LOGIN PASSWORD '${PASSWORD}'`);
  const bundle = join(work, name);
  const gen = await runCli(
    ['generate', '-q', '--connect', `host=127.0.0.1 port=${c.port} user=postgres dbname=postgres sslmode=disable`, '--out', bundle, '--host', 'localhost', '--network', '127.0.0.1/32', ...args],
    { env: { PGPASSWORD: PASSWORD } },
  );
  if (gen.code !== 0) throw new Error(`generate failed: ${gen.stderr}`);
  const applied = await cli(['apply', bundle, '--pgdata', c.dataDir]);
  if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}${applied.stdout}`);
  if (!(await sslIs(c, 'on'))) throw new Error('ssl did not come on after apply');
  return { cluster: c, bundle, readme: await readFile(join(bundle, 'README.md'), 'utf8') };
}

test.before(async () => {
  if (!ready) return;
  work = await mkdtemp(join(tmpdir(), 'pgss-readme-'));
  const main = await server('bundle', ['--pki', 'ca-intermediate', '--client-certs', 'verify-full', '--client-user', 'alice']);
  cluster = main.cluster;
  readme = main.readme;
  selfSigned = await server('self-signed', ['--pki', 'self-signed']);
});

test.after.always(async () => {
  await cluster?.stop();
  await selfSigned?.cluster.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A fresh client machine: a HOME, and a directory to save the examples in (where `pg` can be imported). */
async function clientMachine(bin = cluster!.bin): Promise<{ home: string; app: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(work, 'client-'));
  const home = join(dir, 'home');
  const app = join(dir, 'app');
  await mkdir(home);
  await mkdir(app);
  await symlink(NODE_MODULES, join(app, 'node_modules')); // stands for `npm install pg`
  const env = {
    HOME: home,
    PGPASSWORD: PASSWORD,
    // Java ignores $HOME: user.home is where pgJDBC looks for ~/.postgresql.
    JAVA_TOOL_OPTIONS: `-Duser.home=${home}`,
    // Debian's python3 (with psycopg2), this node, the cluster's psql.
    PATH: [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
  };
  return { home, app, env };
}

/** Run a README shell block as written; resolves to stdout, rejects with stderr. */
async function sh(body: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await run('sh', ['-e', '-c', body], { cwd, env, timeout: 60_000 })).stdout;
  } catch (err) {
    throw new Error(String((err as { stderr?: string }).stderr ?? err));
  }
}

/** alice's section: the copy block, then the blocks of each client. */
function aliceBlocks(): { copy: string; client: (heading: RegExp) => ReadmeBlock[] } {
  const all = blocks(section(readme, 'alice'));
  return { copy: all[0]!.body, client: (heading) => all.filter((b) => heading.test(b.client)) };
}

/** Follow one client's part of the README: save its files, run its commands. `edit` changes the text first (a wrong host). */
async function follow(m: { app: string; env: NodeJS.ProcessEnv }, heading: RegExp, edit = (s: string) => s, from = aliceBlocks().client(heading)): Promise<string> {
  let out = '';
  for (const b of from) {
    if (b.saveAs) await writeFile(join(m.app, b.saveAs), edit(b.body));
    else if (b.lang === 'sh') out += await sh(edit(b.body), m.app, m.env);
  }
  return out;
}

/** A client machine with alice's files copied as the README says. */
async function withAliceFiles() {
  const m = await clientMachine();
  await sh(aliceBlocks().copy, join(work, 'bundle'), m.env);
  return m;
}

const CLIENTS = [
  { name: 'psql', heading: /^psql/, proof: /^ t +\| \/CN=alice$/m },
  { name: 'psycopg2', heading: /^Python/, proof: /^\(True, '\/CN=alice'\)$/m },
  { name: 'pgJDBC', heading: /^Java/, proof: /^ssl=true client_dn=\/CN=alice$/m },
  { name: 'node-postgres', heading: /^node-postgres/, proof: /^\{ ssl: true, client_dn: '\/CN=alice' \}$/m },
] as const;

e2e('the README is for this server: its port, valid Markdown, files private in ~/.postgresql', async (t) => {
  t.deepEqual(markdownProblems(readme), []);
  t.notRegex(readme, /\b5432\b/, 'not the default port: the one the server reported');
  t.regex(readme, new RegExp(`port=${cluster!.port} `));
  const m = await withAliceFiles();
  const listing = await sh('ls -l ~/.postgresql', m.app, m.env);
  for (const f of ['postgresql.key', 'postgresql.pk8']) t.regex(listing, new RegExp(`^-rw------- .* ${f.replace('.', '\\.')}$`, 'm'));
  t.regex(await sh('stat -c %a ~/.postgresql', m.app, m.env), /^700$/m);
});

for (const c of CLIENTS) {
  e2e(`${c.name}: following the README connects over TLS with alice's certificate`, async (t) => {
    const m = await withAliceFiles();
    t.regex(await follow(m, c.heading), c.proof);
  });
}

e2e('without a client certificate, libpq and pgJDBC are refused with the server\'s message', async (t) => {
  const m = await withAliceFiles();
  for (const f of ['postgresql.crt', 'postgresql.key', 'postgresql.pk8']) await unlink(join(m.home, '.postgresql', f));
  const psql = await follow(m, /^psql/).catch((e: Error) => e.message);
  t.regex(psql, /connection requires a valid client certificate/);
  const python = await follow(m, /^Python/).catch((e: Error) => e.message);
  t.regex(python, /connection requires a valid client certificate/);
  const java = await follow(m, /^Java/).catch((e: Error) => e.message);
  t.regex(java, /FATAL: connection requires a valid client certificate/);
});

e2e('the old copy block (no postgresql.pk8): pgJDBC sends no certificate, libpq still connects', async (t) => {
  const m = await withAliceFiles();
  await unlink(join(m.home, '.postgresql', 'postgresql.pk8'));
  t.regex(await follow(m, /^Java/).catch((e: Error) => e.message), /connection requires a valid client certificate/);
  t.regex(await follow(m, /^psql/), /\/CN=alice/);
});

e2e('a host the certificate does not name: each client refuses the server', async (t) => {
  const m = await withAliceFiles();
  const elsewhere = (s: string) => s.replaceAll('localhost', '127.0.0.1');
  const psql = await follow(m, /^psql/, elsewhere).catch((e: Error) => e.message);
  t.regex(psql, /server certificate for "localhost"( \(and \d+ other names?\))? does not match host name "127\.0\.0\.1"/);
  const python = await follow(m, /^Python/, elsewhere).catch((e: Error) => e.message);
  t.regex(python, /does not match host name "127\.0\.0\.1"/);
  const java = await follow(m, /^Java/, elsewhere).catch((e: Error) => e.message);
  t.regex(java, /The hostname 127\.0\.0\.1 could not be verified by hostnameverifier PgjdbcHostnameVerifier/);
  const node = await follow(m, /^node-postgres/, elsewhere).catch((e: Error) => e.message);
  t.regex(node, /ERR_TLS_CERT_ALTNAME_INVALID/);
});

e2e('node-postgres with the README\'s URI fails even with ~/.postgresql in place, as the README warns', async (t) => {
  const m = await withAliceFiles();
  const uri = /The same as a URI: `([^`]+)`/.exec(section(readme, 'alice'))?.[1];
  t.truthy(uri);
  t.regex(readme, /node-postgres does not read `~\/\.postgresql\/`, and its connection-string form\n\(`postgresql:\/\/\.\.\.\?sslmode=verify-full`\) does not either: it then fails with\nUNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
  await writeFile(join(m.app, 'uri.mjs'), `import pg from 'pg';\nconst c = new pg.Client({ connectionString: ${JSON.stringify(uri)} });\nawait c.connect();\n`);
  const failed = await sh('node uri.mjs', m.app, m.env).catch((e: Error) => e.message);
  t.regex(failed, /UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
});

e2e('files kept elsewhere: the README\'s conninfo and JDBC URL that name them connect, with no ~/.postgresql', async (t) => {
  const m = await clientMachine();
  const dir = join(work, 'bundle', 'clients', 'alice');
  const text = section(readme, 'alice');
  const conninfo = /name\s+them: `([^`]+)`/.exec(text)?.[1];
  const url = /name them in the URL:\s+`([^`]+)`/.exec(text)?.[1];
  t.truthy(conninfo);
  t.truthy(url);
  const withDir = (s: string) => s.replaceAll('DIR', dir);
  const psql = await sh(`psql '${withDir(conninfo!)}' -Atc 'SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()'`, m.app, m.env);
  t.is(psql, 't|/CN=alice\n');
  // The Java example with its URL swapped for the one that names the files (postgresql.pk8 among them).
  const java = await follow(m, /^Java/, (s) => s.replace(/"jdbc:postgresql:[^"]+"/, JSON.stringify(withDir(url!))));
  t.regex(java, /^ssl=true client_dn=\/CN=alice$/m);
  t.false(existsSync(join(m.home, '.postgresql')));
});

e2e('self-signed: following the README, with only root.crt copied, every client connects over TLS', async (t) => {
  const s = selfSigned!;
  t.deepEqual(markdownProblems(s.readme), []);
  const all = blocks(section(s.readme, 'Any role'));
  const m = await clientMachine(s.cluster.bin);
  await sh(all[0]!.body, s.bundle, m.env);
  t.deepEqual(await sh('ls ~/.postgresql', m.app, m.env), 'root.crt\n');
  const proofs = [
    [/^psql/, /^ t +\| $/m],
    [/^Python/, /^\(True, None\)$/m],
    [/^Java/, /^ssl=true client_dn=null$/m],
    [/^node-postgres/, /^\{ ssl: true, client_dn: null \}$/m],
  ] as const;
  for (const [heading, proof] of proofs) {
    t.regex(await follow(m, heading, undefined, all.filter((b) => heading.test(b.client))), proof, String(heading));
  }
});
