/** The commands generate prints and the README shows paste into a shell as one argument per path. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { completeAnswers } from '../../src/answers/resolve.js';
import { planFor } from '../../src/commands/make-bundle.js';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);

/** A `sudo` that prints where it runs and its arguments, one per NUL, instead of running anything. */
async function fakeSudo(dir: string): Promise<NodeJS.ProcessEnv> {
  await writeFile(join(dir, 'sudo'), '#!/bin/sh\npwd\nprintf \'%s\\0\' "$@"\n');
  await chmod(join(dir, 'sudo'), 0o755);
  return { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
}

test('the "Next" line of generate, for a bundle path with a space, a quote and a newline', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'pgss-next-'));
  try {
    const out = "my bundle's\nnew";
    const r = await runCli(['generate', '--out', out, '--pki', 'self-signed', '--host', 'localhost', '--pg-version', '15'], { cwd });
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const next = lines[lines.indexOf('Next, on the server:') + 1]!.trim();
    t.regex(next, /^cd \$'my bundle\\'s\\nnew' && sudo \.\/apply\.sh /);
    const { stdout } = await run('bash', ['-c', next], { cwd, env: await fakeSudo(cwd) });
    const where = `${await realpath(join(cwd, out))}\n`;
    t.true(stdout.startsWith(where), 'cd went into the bundle');
    t.deepEqual(stdout.slice(where.length).split('\0').slice(0, -1), ['./apply.sh', '/var/lib/postgresql/15/main', '/etc/postgresql/15/main']);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

test("the README's apply commands quote the server's directories", async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'pgss-readme-'));
  try {
    const answers = completeAnswers({ pki: 'self-signed', hosts: ['localhost'], pgVersion: 15 }, {});
    const plan = await planFor(answers, new Date(), { dataDirectory: '/srv/pg data/15', configDir: "/etc/pg's conf" });
    const readme = plan.files.find((f) => f.path === 'README.md')!;
    const text = readme.source.kind === 'text' ? readme.source.text : '';
    const line = text.split('\n').find((l) => l.startsWith('sudo npx pg-secure-setup apply . --pgdata') && !l.includes('--dry-run'))!;
    t.is(line, "sudo npx pg-secure-setup apply . --pgdata '/srv/pg data/15' --config-dir '/etc/pg'\\''s conf'");
    const { stdout } = await run('bash', ['-c', line.replace(/^sudo npx pg-secure-setup /, 'sudo ')], { cwd, env: await fakeSudo(cwd) });
    t.deepEqual(stdout.slice(stdout.indexOf('\n') + 1).split('\0').slice(0, -1), ['apply', '.', '--pgdata', '/srv/pg data/15', '--config-dir', "/etc/pg's conf"]);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});
