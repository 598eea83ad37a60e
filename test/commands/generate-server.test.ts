/** generate --connect: the server answers its version, where its files are and which roles are still on md5. */
import test from 'ava';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const PASSWORD = 'prefill-secret';
let cluster: Cluster;
let work: string;

test.before(async () => {
  cluster = await startCluster();
  await cluster.psql(`ALTER ROLE postgres PASSWORD '${PASSWORD}'; SET password_encryption = 'md5'; CREATE ROLE legacy LOGIN PASSWORD 'old'`);
  work = await mkdtemp(join(tmpdir(), 'pgss-prefill-'));
});

test.after.always(async () => {
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const connect = () => `host=127.0.0.1 port=${cluster.port} user=postgres dbname=postgres sslmode=disable`;
const env = () => ({ PGPASSWORD: PASSWORD });

test.serial('the bundle is made for the server it asked: its version, its paths, its md5 roles', async (t) => {
  const out = join(work, 'b1');
  const r = await runCli(['generate', '--connect', connect(), '--out', out, '--host', 'localhost'], { env: env() });
  t.is(r.code, 0, r.stderr);
  t.like(JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')), { pgVersion: 15, port: cluster.port });
  t.regex(r.stdout, /roles still on md5 .*: legacy/);
  const readme = await readFile(join(out, 'README.md'), 'utf8');
  t.true(readme.includes('npx pg-secure-setup set-password legacy'));
  t.true(readme.includes(`--pgdata ${cluster.dataDir}`), 'apply is shown with the server\'s own data directory');
  t.true(readme.includes(`psql 'host=localhost port=${cluster.port} dbname=postgres`), 'connection strings carry the port the server listens on');
});

test.serial('--port wins over the port the server reports', async (t) => {
  const out = join(work, 'b4');
  const r = await runCli(['generate', '-q', '--connect', connect(), '--out', out, '--host', 'localhost', '--port', '6432'], { env: env() });
  t.is(r.code, 0, r.stderr);
  t.is(JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')).port, 6432);
  t.true((await readFile(join(out, 'README.md'), 'utf8')).includes('port=6432 '));
});

test.serial('a version the server contradicts is bad input, nothing written', async (t) => {
  const out = join(work, 'b2');
  const r = await runCli(['generate', '--connect', connect(), '--out', out, '--pg-version', '14'], { env: env() });
  t.is(r.code, 2);
  t.regex(r.stderr, /pgVersion: 14 was asked for, but the server runs PostgreSQL 15/);
  t.false((await readdir(work)).includes('b2'));
});

test.serial('a server that refuses the login: exit 2 with its message, nothing written', async (t) => {
  const out = join(work, 'b3');
  const r = await runCli(['generate', '--connect', connect(), '--out', out], { env: { PGPASSWORD: 'wrong' } });
  t.is(r.code, 2);
  t.regex(r.stderr, /password authentication failed/);
  t.false((await readdir(work)).includes('b3'));
});
