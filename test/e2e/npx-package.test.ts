/**
 * The package as `npx pg-secure-setup` gets it: packed, installed into an
 * empty prefix, and run from there. One tarball, no dependencies, no install
 * scripts, only what runs; the installed command generates a bundle that
 * PostgreSQL 15 accepts (keys made by Node's native crypto, not forge's pure
 * JS), its wizard writes a bundle in a real terminal (tmux), and each
 * command loads only the bundled libraries it uses.
 */
import test from 'ava';
import ts from 'typescript';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.js';
import { CHECKOUT, checkoutPackageJson, npmPack, packAndInstall, type InstalledPackage } from '../helpers/installed-package.js';
import { psql, setUp, tearDown } from './generate-pg-helpers.js';
import { cliSession, enterToTheEnd, hasTmux } from './wizard-terminal.js';

const run = promisify(execFile);

let installed: InstalledPackage;

test.before(async () => {
  installed = await packAndInstall();
});

test.after.always(async () => {
  await installed?.remove();
});

const TEMPLATES = readdirSync(join(CHECKOUT, 'templates')).map((f) => `templates/${f}`);

test('the tarball holds only what runs: bin, the bundled dist/, templates, README and the third-party notices', async (t) => {
  const pack = await npmPack({ dryRun: true });
  const paths = pack.files.map((f) => f.path).sort();
  const allowed = /^(bin\/pg-secure-setup\.js|dist\/[\w-]+\.js|dist\/THIRD-PARTY-NOTICES\.md|templates\/[\w.-]+\.(?:tmpl|json)|README\.md|package\.json)$/;
  t.deepEqual(paths.filter((p) => !allowed.test(p)), [], 'no sources, tests, maps or stray files');
  for (const p of ['bin/pg-secure-setup.js', 'dist/cli.js', 'dist/THIRD-PARTY-NOTICES.md', 'README.md', 'package.json', ...TEMPLATES]) t.true(paths.includes(p), `${p} is packed`);
  t.is((pack.files.find((f) => f.path === 'bin/pg-secure-setup.js')!.mode & 0o111) !== 0, true, 'the bin is executable');
});

test('package.json declares no dependencies and no install scripts', async (t) => {
  const pkg = JSON.parse(await readFile(join(installed.dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) t.deepEqual(Object.keys(pkg[field] ?? {}), [], field);
  // npm runs these on install (prepare too, for git and local installs) and warns about them.
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) t.is(pkg.scripts?.[script], undefined, script);
  t.notRegex(installed.installOutput.stderr, /install-scripts|deprecated/);
});

test('npm installs exactly one package, offline', async (t) => {
  const { stdout } = await run('npm', ['ls', '--all', '--json', '--prefix', installed.prefix]);
  const tree = JSON.parse(stdout) as { dependencies?: Record<string, { dependencies?: object }> };
  t.deepEqual(Object.keys(tree.dependencies ?? {}), ['pg-secure-setup']);
  t.deepEqual(Object.keys(tree.dependencies!['pg-secure-setup']!.dependencies ?? {}), []);
  t.deepEqual(await readdir(join(installed.prefix, 'node_modules')).then((d) => d.filter((n) => !n.startsWith('.'))), ['pg-secure-setup']);
});

test('the bundled chunks import nothing but Node built-ins', async (t) => {
  const builtins = new Set(builtinModules);
  const dist = join(installed.dir, 'dist');
  const outside: string[] = [];
  for (const file of (await readdir(dist)).filter((f) => f.endsWith('.js'))) {
    for (const spec of moduleSpecifiers(file, await readFile(join(dist, file), 'utf8'))) {
      const name = spec.replace(/^node:/, '');
      // pg loads pg-native only when `pg.native` is read, which this tool never does.
      if (!spec.startsWith('.') && !builtins.has(name) && name !== 'pg-native') outside.push(`${file}: ${spec}`);
    }
  }
  t.deepEqual(outside, []);
});

/** What a chunk really loads: import/export-from declarations, import() and require() calls (not text inside strings, such as the README's example programs). */
function moduleSpecifiers(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test("the notices name every bundled library with its licence text", async (t) => {
  const notices = await readFile(join(installed.dir, 'dist', 'THIRD-PARTY-NOTICES.md'), 'utf8');
  for (const name of ['ink', 'react', 'react-reconciler', 'yoga-layout', '@inkjs/ui', '@inquirer/core', 'node-forge', 'pg', 'diff']) t.regex(notices, new RegExp(`^## ${name.replace('/', '\\/')} \\d+\\.\\d+\\.\\d+`, 'm'), name);
  t.regex(notices, /## node-forge [\d.]+\n\nLicense: \(BSD-3-Clause OR GPL-2\.0\)\n\n```text\n/);
  t.notRegex(notices, /^## (ws|react-devtools-core) /m, 'Ink devtools are not bundled');
});

/** Marks of each library in its chunk: a CommonJS module's key, or a message of its own. */
const LIBRARIES = {
  ink: 'Raw mode is not supported',
  '@inquirer/prompts': 'User force closed the prompt',
  'node-forge': 'node_modules/node-forge/lib/forge.js',
  pg: 'node_modules/pg/lib/client.js',
} as const;

/** NODE_OPTIONS that log every file the process loads as an ES module to `log`. */
async function loadLogger(log: string): Promise<string> {
  const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, url + '\\n');
  return next(url, context);
}`;
  const probe = join(installed.prefix, `log-loads-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(probe, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`);
  return `--import ${probe}`;
}

/** Which of LIBRARIES the files in `log` hold. */
async function librariesLoaded(log: string): Promise<string[]> {
  const files = [...new Set((await readFile(log, 'utf8')).trim().split('\n'))].map((u) => fileURLToPath(u));
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  return Object.entries(LIBRARIES)
    .filter(([, mark]) => texts.some((text) => text.includes(mark)))
    .map(([name]) => name);
}

test('each command loads only the libraries it uses', async (t) => {
  const runLogged = async (args: string[]) => {
    const log = join(installed.prefix, `loads-${args[0]}.log`);
    const r = await runCli(args, { bin: installed.bin, cwd: installed.prefix, env: { NODE_OPTIONS: await loadLogger(log) } });
    t.is(r.code, 0, r.stderr);
    return librariesLoaded(log);
  };
  t.deepEqual(await runLogged(['--version']), []);
  t.deepEqual(await runLogged(['generate', '-q', '--out', join(installed.prefix, 'lazy-bundle')]), ['node-forge']);
});

test('--version prints the version in package.json', async (t) => {
  const { stdout } = await run(installed.bin, ['--version']);
  t.is(stdout, `${(await checkoutPackageJson()).version}\n`);
});

test('generate from the installed package: keys from native crypto, and PostgreSQL 15 accepts the bundle', async (t) => {
  // Count calls of node:crypto's generateKeyPair, which forge uses only when its require('crypto') works.
  const probe = join(installed.prefix, 'count-native-keys.cjs');
  await writeFile(
    probe,
    `const c = require('node:crypto'); const real = c.generateKeyPair; let n = 0;
c.generateKeyPair = function (...a) { n++; return real.apply(this, a); };
process.on('exit', () => process.stderr.write('native RSA keys: ' + n + '\\n'));\n`,
  );
  const counted = await runCli(['generate', '-q', '--out', join(installed.prefix, 'probe-bundle'), '--pki', 'ca-intermediate', '--client-user', 'alice', '--client-user', 'bob'], {
    bin: installed.bin,
    cwd: installed.prefix,
    env: { NODE_OPTIONS: `--require ${probe}` },
  });
  t.is(counted.code, 0, counted.stderr);
  t.regex(counted.stderr, /native RSA keys: 5\n/, 'root, intermediate, server and two clients');

  const s = await setUp(['--pki', 'ca', '--client-certs', 'verify-full', '--client-user', 'alice'], installed.bin);
  try {
    t.is(await s.cluster.psql('SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL'), '0');
    t.is(await s.cluster.psql('SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL'), '0');
    t.is(await s.cluster.psql('SHOW ssl'), 'on');
    const dir = join(s.bundle, 'clients', 'alice');
    const tls = { sslmode: 'verify-full', sslrootcert: join(dir, 'root.crt'), sslcert: join(dir, 'postgresql.crt'), sslkey: join(dir, 'postgresql.key'), user: 'alice' };
    t.regex(await psql(s, tls), /^t\|TLSv1\.[23]$/);
    t.regex(await psql(s, { sslmode: 'disable', user: 'alice' }).catch((e: Error) => e.message), /no encryption/);
  } finally {
    await tearDown(s);
  }
});

(hasTmux() ? test : test.skip)('the installed wizard: Enter on every screen writes a bundle', async (t) => {
  const log = join(installed.prefix, 'loads-wizard.log');
  const s = await cliSession([], { NO_COLOR: '1', NODE_OPTIONS: await loadLogger(log) }, installed.bin);
  try {
    await s.term.waitFor(/Bundle directory: |Server version: /);
    t.is(await enterToTheEnd(s.term), 0);
    const bundle = join(s.cwd, 'pg-secure-setup');
    const verified = await run('openssl', ['verify', '-CAfile', 'server/root.crt', 'server/server.crt'], { cwd: bundle });
    t.regex(verified.stdout, /server\/server\.crt: OK/);
    t.is(((await stat(join(bundle, 'server', 'server.key'))).mode & 0o777).toString(8), '600');
    t.regex(await readFile(join(bundle, 'README.md'), 'utf8'), /sslmode=verify-full/);
    // Ink for the screens, forge for the keys; no line-by-line prompts, no connection.
    t.deepEqual(await librariesLoaded(log), ['ink', 'node-forge']);
  } finally {
    await s.done();
  }
});
