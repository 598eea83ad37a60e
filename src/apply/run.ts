/**
 * The parts of an apply that touch the running server: who may write what,
 * the exit guard that undoes an interrupted apply, the reload (or the
 * restart, 18.5: `pg_ctl restart -m fast`, never SIGKILL) and the checks
 * that the server now serves the bundle.
 */
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { alterSystemStatements } from './alter.js';
import type { ReadBundle } from './read-bundle.js';
import { presentedCertificate, runningSettings, waitFor, type CheckProblem } from './check.js';
import { sameSettingValue } from '../pg/conf.js';
import { idNames, modeText } from './diff.js';
import { execAs, type Log, type Step } from './exec.js';
import type { ApplyPlan, PlannedFile } from './plan.js';
import { BACKUP_DIR, restoreBackup, saveManifest, type Backup } from './backup.js';
import { stateDirFor } from './state-dir.js';
import type { LocatedServer } from './locate.js';
import { DEFAULT_RESTART_MODE, RESTART_TIMEOUT_S, type RestartMode } from './shutdown.js';
import type { ServerAccess } from './locate-connect.js';

/** Where progress lines go; problems (`problem` true) belong on stderr. */
export type { Log };

/** Refuse, before any change, what this process cannot write or cannot give the right owner. */
export function checkWritable(server: LocatedServer, files: readonly PlannedFile[]): void {
  const uid = process.getuid?.();
  const dirs = new Set([server.dataDir, ...files.map((f) => dirname(f.path))]);
  for (const d of dirs) {
    if (!existsSync(d)) throw new UsageError(`${d} does not exist: nothing was changed`);
    try {
      accessSync(d, constants.W_OK);
    } catch {
      throw new UsageError(`no write access to ${d}: run as root or as "${server.osUser.name}"; nothing was changed`);
    }
  }
  if (uid === 0) return;
  for (const f of files) {
    if (f.after.uid !== uid) throw new UsageError(`${f.path} must be owned by uid ${f.after.uid}: run as root; nothing was changed`);
  }
}

/**
 * Whether process `pid` runs as `uid` (real and effective, from /proc). The
 * pid comes from postmaster.pid, which the server's user can write: root
 * signals it only when it is that user's own process.
 */
export function runsAs(pid: number, uid: number): boolean {
  try {
    const line = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line !== null && Number(line[1]) === uid && Number(line[2]) === uid;
  } catch {
    return false;
  }
}

/**
 * Until released, an exit (Ctrl+C ends through process.exit) puts the old
 * files back and signals the postmaster to reload them (SIGHUP, 19.1.2).
 */
export function guardExit(backup: Backup, server: LocatedServer): () => void {
  const onExit = () => {
    if (backup.manifest.status !== 'writing') return;
    try {
      restoreBackup(backup);
      backup.manifest.status = 'restored';
      saveManifest(backup);
      try {
        if (server.running && runsAs(server.running.pid, server.osUser.uid)) process.kill(server.running.pid, 'SIGHUP');
      } catch {
        /* the postmaster was restarted or is gone: nothing to reload */
      }
      process.stderr.write(`pg-secure-setup: interrupted; the previous files were restored from ${backup.dir}\n`);
    } catch (err) {
      process.stderr.write(`pg-secure-setup: interrupted, and restoring failed (${(err as Error).message}); the backups are in ${backup.dir}\n`);
    }
  };
  // First of the exit hooks: the files are back before the data directory's lock is released.
  process.prependListener('exit', onExit);
  return () => process.off('exit', onExit);
}

function reloadArgv(server: LocatedServer, restart: boolean, mode: RestartMode): string[] {
  const pgCtl = join(server.bin, 'pg_ctl');
  if (!restart) return [pgCtl, 'reload', '-D', server.dataDir];
  // pg_ctl restart reuses the options in postmaster.opts; -l keeps the server's output off our pipe (written by the server's user, in its own directory).
  return [pgCtl, 'restart', '-m', mode, '-w', '-t', String(RESTART_TIMEOUT_S[mode]), '-D', server.dataDir, '-l', join(server.dataDir, 'pg-secure-setup.postmaster.log')];
}

/** The commands an apply runs, for --dry-run. */
export function describeSteps(server: LocatedServer, changed: readonly PlannedFile[], plan: ApplyPlan, restart: boolean, bundleDir: string, mode: RestartMode = DEFAULT_RESTART_MODE): Step[] {
  const as = server.osUser.name;
  const names = idNames(server.osUser);
  const source = (f: PlannedFile) => f.source ?? (f.role.includes('.') ? join(bundleDir, 'server', f.role) : f.role === 'settings' ? join(bundleDir, 'conf', 'pg-secure-setup.conf') : `<edited ${f.path}>`);
  const backups = join(stateDirFor(server.dataDir), BACKUP_DIR, '<timestamp>');
  const steps: Step[] = [{ argv: ['mkdir', '-p', '-m', '0700', backups] }];
  for (const f of changed) {
    if (f.before) steps.push({ argv: ['cp', f.path, join(backups, 'files', '')] });
    // postgresql.auto.conf is the server's to write: ALTER SYSTEM does it.
    if (f.role === 'auto-conf') {
      steps.push(...alterSystemStatements(plan).map((s) => ({ argv: [], sql: s.sql })));
      continue;
    }
    steps.push({ argv: ['install', '-m', modeText(f.after.mode), '-o', names.users.get(f.after.uid) ?? String(f.after.uid), '-g', names.groups.get(f.after.gid) ?? String(f.after.gid), source(f), f.path] });
  }
  for (const s of plan.settings) steps.push({ argv: [join(server.bin, 'postgres'), ...server.postgresArgs, '-C', s.name], as });
  if (server.running) {
    steps.push({ argv: ['psql', '-c', 'SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL'], as });
    steps.push({ argv: ['psql', '-c', 'SELECT sourcefile, sourceline, error FROM pg_file_settings WHERE error IS NOT NULL'], as });
    steps.push({ argv: reloadArgv(server, restart, mode), as });
  }
  return steps;
}

/** Wait until a new session sees the bundle's settings; the mismatches left after the wait. */
async function settingsTakeEffect(access: ServerAccess, plan: ApplyPlan): Promise<CheckProblem[]> {
  if (!access.sql) return [];
  const sql = access.sql;
  const names = plan.settings.map((s) => s.name);
  const mismatches = (seen: Awaited<ReturnType<typeof runningSettings>>): CheckProblem[] => {
    if (!seen) return [];
    return plan.settings.flatMap((s) => {
      const got = seen.get(s.name);
      if (!got || got.pendingRestart || sameSettingValue(got.setting, s.value)) return [];
      return [{ where: s.name, message: `the server still uses "${got.setting}" (the bundle sets "${s.value}")` }];
    });
  };
  const last = await waitFor(() => runningSettings(sql, names), (v) => mismatches(v).length === 0, 5000);
  return mismatches(last);
}

/** Wait until new TLS connections get the bundle's certificate (a failed SSL reload keeps the old one, 18.9). */
async function certificateTakesEffect(server: LocatedServer, plan: ApplyPlan, bundle: ReadBundle): Promise<CheckProblem[]> {
  const ssl = plan.settings.find((s) => s.name === 'ssl');
  const cert = bundle.server['server.crt'];
  const host = server.running?.listenAddress;
  if (!ssl || !sameSettingValue('on', ssl.value) || !cert || !host || !server.running) return [];
  const want = new X509Certificate(Buffer.from(cert)).raw;
  const probe = () => presentedCertificate(host, server.running!.port).catch(() => undefined);
  const got = await waitFor(probe, (c) => c !== undefined && c.equals(want), 5000);
  if (got?.equals(want)) return [];
  return [
    {
      where: `${host}:${server.running.port}`,
      message: got
        ? 'the server still presents its old certificate: it did not load the new SSL files (its log says "SSL configuration was not reloaded" and why)'
        : 'the server does not offer TLS after the reload (see its log)',
    },
  ];
}

/** Reload (or restart), then check the server took the bundle (skipped when `bundle` is undefined). */
export async function reloadAndVerify(access: ServerAccess, plan: ApplyPlan, bundle: ReadBundle | undefined, restart: boolean, log: Log, mode: RestartMode = DEFAULT_RESTART_MODE): Promise<CheckProblem[]> {
  const { server } = access;
  const [cmd, ...args] = reloadArgv(server, restart, mode);
  const r = await execAs(server.osUser, cmd!, args, { timeoutMs: (RESTART_TIMEOUT_S[mode] + 60) * 1000 });
  if (r.code !== 0) return [{ where: restart ? 'pg_ctl restart' : 'pg_ctl reload', message: (r.stderr || r.stdout).trim() || `exit ${r.code}` }];
  log(restart ? `Restarted the server (pg_ctl restart -m ${mode}).` : 'Reloaded the server configuration (pg_ctl reload).');
  if (!bundle) return [];
  return [...(await certificateTakesEffect(server, plan, bundle)), ...(await settingsTakeEffect(access, plan))];
}
