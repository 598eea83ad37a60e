/**
 * Running the lab's server: initdb, pg_ctl start / stop / status, always on
 * the lab's own data directory. PostgreSQL refuses to run as root (18.1), so
 * as root the programs run as an unprivileged OS user (postgres).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chown, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UsageError } from '../errors.js';
import type { LabPaths } from './layout.js';

const run = promisify(execFile);

/** Who runs the server, and how to run a program as them. */
export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** True when we are root and hand the server to another OS user. */
  readonly switched: boolean;
}

/** The OS user the server runs as: ourselves, or `postgres` when we are root. */
export async function serverUser(): Promise<ServerUser> {
  const me = userInfo();
  if (me.uid !== 0) return { name: me.username, uid: me.uid, gid: me.gid, switched: false };
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { name: 'postgres', uid: Number(uid.stdout), gid: Number(gid.stdout), switched: true };
  } catch {
    throw new UsageError('PostgreSQL refuses to run as root, and there is no "postgres" OS user to run it as: create one (useradd --system postgres) or run the lab as a normal user');
  }
}

/** Programs of ours still running (initdb, pg_ctl): an interrupted start ends them first. */
const running = new Set<number>();

/** Run one of the server's programs as its OS user. */
export async function runAs(user: ServerUser, file: string, args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  const [cmd, argv] = user.switched ? ['runuser', ['-u', user.name, '--', file, ...args]] : [file, args];
  const p = run(cmd, argv, { timeout: timeoutMs, maxBuffer: 16 << 20, env: { ...process.env, LC_ALL: 'C' } });
  const pid = p.child.pid;
  if (pid !== undefined) running.add(pid);
  try {
    return await p;
  } finally {
    if (pid !== undefined) running.delete(pid);
  }
}

/** Still running? A child that ended stays a zombie until the event loop reaps it, which an exit hook never lets happen. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** End our running programs (runuser passes SIGTERM on; initdb then removes its data directory) and wait up to 10 s. */
function endChildrenSync(): void {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 500 && [...running].some(alive); i++) Atomics.wait(pause, 0, 0, 20); // an exit hook cannot await
}

/** Hand a path we created to the server's OS user. */
export async function giveToServer(user: ServerUser, path: string): Promise<void> {
  if (user.switched) await chown(path, user.uid, user.gid);
}

/** Is something listening on 127.0.0.1:port (or is the port otherwise unusable)? */
export function portBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/** The first free port from `from`, trying a few. */
export async function freePortFrom(from: number): Promise<number> {
  for (let p = from; p < from + 50; p++) if (!(await portBusy(p))) return p;
  throw new UsageError(`no free port in ${from}..${from + 49} on 127.0.0.1: give one with --port N`);
}

function errText(err: unknown): string {
  const e = err as { stderr?: string; stdout?: string; message?: string };
  return (e.stderr || e.stdout || e.message || String(err)).trim();
}

/** initdb the lab's data directory: superuser named `superuser`, trust until seeding sets the rules. */
export async function initData(user: ServerUser, bin: string, p: LabPaths, superuser: string): Promise<void> {
  try {
    await runAs(user, join(bin, 'initdb'), ['-D', p.dataDir, '-U', superuser, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  } catch (err) {
    throw new LabFailure(`initdb failed: ${errText(err)}`);
  }
}

/** Is the lab's server running? (pg_ctl status: 0 running, 3 not, 4 no data directory.) */
export async function isRunning(user: ServerUser, bin: string, p: LabPaths): Promise<boolean> {
  const pidFile = join(p.dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  // A killed lab's postmaster.pid may name a PID that some other program has since been given.
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline !== undefined && !cmdline.includes(p.dataDir)) return false;
  try {
    await runAs(user, join(bin, 'pg_ctl'), ['-D', p.dataDir, 'status'], 15_000);
    return true;
  } catch {
    return false;
  }
}

/** Start the server and wait until it accepts connections; a stale postmaster.pid of a killed lab is removed first. */
export async function startServer(user: ServerUser, bin: string, p: LabPaths): Promise<void> {
  const pid = join(p.dataDir, 'postmaster.pid');
  if (existsSync(pid) && !(await isRunning(user, bin, p))) await rm(pid, { force: true });
  const logStart = existsSync(p.logFile) ? statSync(p.logFile).size : 0;
  try {
    await runAs(user, join(bin, 'pg_ctl'), ['-D', p.dataDir, '-l', p.logFile, '-w', '-t', '60', 'start']);
  } catch (err) {
    // What the server itself said this time (LC_ALL=C: English), not only pg_ctl's "examine the log".
    const said = (await readFile(p.logFile, 'utf8').catch(() => '')).slice(logStart);
    const why = said.split('\n').filter((l) => /\b(FATAL|ERROR|PANIC|LOG: +could not)\b/.test(l)).slice(-3).join('\n');
    if (/could not bind IPv[46] address .*: Address already in use/.test(said)) throw new PortTakenError(why);
    throw new LabFailure(`the lab's server did not start: ${why || errText(err)} (its log: ${p.logFile})`);
  }
}

/** A step of the server that failed (not the user's input): its own message, exit code 1, no stack trace. */
export class LabFailure extends UsageError {
  override name = 'LabFailure';
  override readonly exitCode = 1;
}

/** The server could not listen: another program took its port. */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
}

/** Stop the server with a fast shutdown (18.5: SIGINT, sessions rolled back), waiting until it is gone. */
export async function stopServer(user: ServerUser, bin: string, p: LabPaths): Promise<boolean> {
  if (!(await isRunning(user, bin, p))) return false;
  await runAs(user, join(bin, 'pg_ctl'), ['-D', p.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  return true;
}

/** Ask the server to re-read its configuration files (18.5 / pg_ctl reload). */
export async function reloadServer(user: ServerUser, bin: string, p: LabPaths): Promise<void> {
  await runAs(user, join(bin, 'pg_ctl'), ['-D', p.dataDir, 'reload'], 15_000);
}

/**
 * A new lab interrupted half way (an exit hook: synchronous): stop its
 * server if one started, then remove what this run made.
 */
export function abandonSync(user: ServerUser, bin: string, p: LabPaths, made: string | undefined): void {
  endChildrenSync();
  if (existsSync(join(p.dataDir, 'postmaster.pid'))) {
    const args = ['-D', p.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'];
    try {
      if (user.switched) execFileSync('runuser', ['-u', user.name, '--', join(bin, 'pg_ctl'), ...args], { stdio: 'ignore' });
      else execFileSync(join(bin, 'pg_ctl'), args, { stdio: 'ignore' });
    } catch {
      /* not running after all */
    }
  }
  if (made !== undefined) rmSync(made, { recursive: true, force: true });
  else for (const name of readdirSync(p.dir)) rmSync(join(p.dir, name), { recursive: true, force: true });
}
