/**
 * Apply a bundle to the server on this machine: plan every file, back up
 * what changes, write atomically, ask the server whether it accepts the new
 * files, reload (restart only when needed and agreed), check that the
 * server now serves the bundle, and put everything back on any failure.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { TOOL_VERSION } from '../package-info.js';
import { checkAccess } from './access.js';
import { alterSystemStatements, requireAlterSystem, runAlterSystem } from './alter.js';
import { readBundle, type ReadBundle } from './read-bundle.js';
import { checkInstallPaths, type BundleCheckOptions } from './bundle-check.js';
import { sameSettingValue } from '../pg/conf.js';
import { checkSettings, checkWithServer, restartSettings, type CheckProblem } from './check.js';
import { dryRunReport, idNames } from './diff.js';
import { atomicWrite, isDir, readState } from './fs.js';
import { applyTargets, autoConfPath, changedFiles, planApply, settingsTarget, type ApplyOptions, type ApplyPlan, type FileState, type PlannedFile } from './plan.js';
import { checkWritable, describeSteps, guardExit, reloadAndVerify, type Log } from './run.js';
import { createBackup, recordAfter, restoreBackup, saveManifest, type Backup } from './backup.js';
import { knownVersionTraits } from '../plan/versions.js';
import { showSetting } from './locate.js';
import { lockDataDir, openStateDir } from './state-dir.js';
import { openServer, type ServerAccess, type WhereOptions } from './locate-connect.js';
import { DEFAULT_RESTART_MODE, shutdownModesText, type RestartMode } from './shutdown.js';
import { standbyFiles } from './standby.js';

/** What the apply command asks for. */
export interface ApplyRequest {
  readonly bundleDir: string;
  readonly where: WhereOptions;
  readonly options: ApplyOptions;
  readonly dryRun: boolean;
  /** The user agreed to a restart beforehand (--yes). */
  readonly yes: boolean;
  /** How a needed restart stops the server (--restart-mode, 18.5); fast by default. */
  readonly restartMode?: RestartMode;
  /** Ask the user; undefined without a terminal. */
  readonly confirm?: (question: string) => Promise<boolean>;
  readonly log: Log;
  readonly now?: Date;
  /** Edits of the bundle the user vouches for (--passphrase-command, --allow-edited-rules). */
  readonly check?: BundleCheckOptions;
}

/** The result: exit code 0 (applied, or nothing to do), 1 (failed, old files restored). */
export interface ApplyResult {
  readonly code: 0 | 1;
  readonly changed: readonly PlannedFile[];
  readonly backupDir?: string;
}

/** What becomes of the server's trust and password rules (20.4, 20.5, 20.9), or what stays open with --keep-trust. */
function logTrust(plan: ApplyPlan, hbaFile: string, log: Log): void {
  const closed = plan.closedRules ?? [];
  if (closed.length > 0) {
    const lines = closed.map((r) => `  line ${r.line}: ${r.text}  (${r.from} -> ${r.to})`);
    log(`Rules of ${hbaFile} that let connections in without a checked password are closed (--keep-trust keeps them):\n${lines.join('\n')}`);
  }
  const open = plan.openRules ?? [];
  if (open.length > 0) {
    const lines = open.map((r) => `  line ${r.line}: ${r.text}  (${r.type === 'local' ? 'any OS user who can reach the socket, as any role it names' : r.from === 'trust' ? 'anyone who reaches it, without a password' : 'the password travels as typed'})`);
    log(`Warning: these rules of the new ${hbaFile} stay open${closed.length === 0 ? ' (--keep-trust)' : ''}:\n${lines.join('\n')}`, true);
  }
}

/** Plan against the server's current files. */
export function planFor(bundle: ReadBundle, access: ServerAccess, options: ApplyOptions, identFile?: string): ApplyPlan {
  const server = identFile ? { ...access.server, identFile } : access.server;
  const owners = [server.osUser.uid];
  const main = readState(server.configFile, owners);
  const target = settingsTarget(server, main ? Buffer.from(main.bytes).toString('latin1') : '', isDir);
  const current = new Map<string, FileState>();
  for (const t of applyTargets(bundle, server, target.path, options.alterSystem)) {
    const s = readState(t.path, owners);
    if (s) current.set(t.path, s);
  }
  return planApply({ bundle, layout: server, settingsTarget: target, current, options });
}

/** The server's pg_ident.conf (ident_file, relative to the data directory), asked only for a bundle with map lines. */
async function identFileOf(bundle: ReadBundle, server: ServerAccess['server']): Promise<string | undefined> {
  if (bundle.ident === undefined) return undefined;
  const shown = await showSetting(server, 'ident_file');
  if (!shown.ok) throw new UsageError(`the server's configuration cannot be read (postgres -C ident_file): ${shown.error}`);
  return resolve(server.dataDir, shown.value);
}

function problemText(ps: readonly { where: string; message: string }[]): string {
  return ps.map((p) => `  ${p.where}: ${p.message}`).join('\n');
}

/** Why a restart is needed, if it is: a passphrase key the server cannot reload (18.9.1, 19.3.3), settings of context postmaster. */
async function restartReasons(bundle: ReadBundle, plan: ApplyPlan, access: ServerAccess): Promise<string[]> {
  const reasons: string[] = [];
  const keyChanges = changedFiles(plan).some((f) => f.role === 'server.key');
  if (bundle.keyEncrypted && keyChanges) {
    const fromBundle = (name: string) => plan.settings.find((s) => s.name === name)?.value;
    const current = async (name: string) => {
      const r = await showSetting(access.server, name);
      return r.ok ? r.value : '';
    };
    const command = fromBundle('ssl_passphrase_command') ?? (await current('ssl_passphrase_command'));
    if (!command) throw new UsageError('server/server.key is passphrase-protected and the server has no ssl_passphrase_command to unlock it (19.3.3): set one in the bundle\'s settings, or use a key without a passphrase');
    const reload = fromBundle('ssl_passphrase_command_supports_reload') ?? (await current('ssl_passphrase_command_supports_reload'));
    if (!/^(on|true|yes|1)$/i.test(reload)) reasons.push('the key is passphrase-protected and ssl_passphrase_command_supports_reload is off: only a restart loads it');
  }
  if (access.sql) {
    const names = await restartSettings(access.sql, plan.settings);
    for (const n of names ?? []) reasons.push(`${n} changes only on a restart`);
  }
  return reasons;
}

async function agreeToRestart(req: ApplyRequest, reasons: string[]): Promise<boolean> {
  const mode = req.restartMode ?? DEFAULT_RESTART_MODE;
  const text = `The server must restart (pg_ctl restart -m ${mode}):\n${reasons.map((r) => `  - ${r}`).join('\n')}\n${shutdownModesText(mode)}`;
  if (req.yes) {
    req.log(text);
    return true;
  }
  if (!req.confirm) throw new UsageError(`${text}\nNothing was changed. Run again with --yes to allow the restart.`);
  return req.confirm(`${text}\nRestart it?`);
}

function restore(backup: Backup, access: ServerAccess, log: Log): void {
  try {
    restoreBackup(backup);
  } catch (err) {
    throw new Error(`restoring the previous files failed (${(err as Error).message}): they are in ${backup.dir}; run pg-secure-setup rollback --pgdata ${access.server.dataDir} --force`);
  }
  backup.manifest.status = 'restored';
  backup.manifest.updatedAt = new Date().toISOString();
  saveManifest(backup);
  log(`Restored the previous files from ${backup.dir}.`, true);
}

/** Run an apply; bad input throws UsageError before anything changes. */
export async function applyBundle(req: ApplyRequest): Promise<ApplyResult> {
  const bundle = await readBundle(req.bundleDir, req.now, req.check);
  const access = await openServer(req.where, bundle.pgVersion);
  try {
    if (req.dryRun) return await applyWith(req, bundle, access, '');
    // Planned and written under the lock: a second apply would plan against files this one is changing.
    const stateDir = openStateDir(access.server.dataDir);
    const unlock = lockDataDir(stateDir, access.server.dataDir, 'apply');
    try {
      return await applyWith(req, bundle, access, stateDir);
    } finally {
      unlock();
    }
  } finally {
    await access.close();
  }
}

async function applyWith(req: ApplyRequest, bundle: ReadBundle, access: ServerAccess, stateDir: string): Promise<ApplyResult> {
  const { server } = access;
  const log = req.log;
  if (req.options.alterSystem) await requireAlterSystem(access);
  const own = planFor(bundle, access, req.options, await identFileOf(bundle, server));
  // On a standby, the replication files where its primary_conninfo names them, backed up and rolled back like the rest.
  const plan = { ...own, files: [...own.files, ...(await standbyFiles(bundle.dir, server, log))] };
  const settingsFile = plan.files.find((f) => f.role === 'settings')?.path ?? autoConfPath(server);
  const misplaced = checkInstallPaths(bundle.settings, { dataDir: server.dataDir, configFile: server.configFile, hbaFile: server.hbaFile, settingsFile });
  if (misplaced.length > 0) throw new UsageError(`the bundle's files would go where apply does not write; nothing was changed:\n${problemText(misplaced)}`);
  if (plan.problems.length > 0) {
    throw new UsageError(`the bundle cannot be applied; nothing was changed:\n${problemText(plan.problems.map((p) => ({ where: p.line ? `${p.file}:${p.line}` : p.file, message: p.message })))}`);
  }
  if (server.running && !access.sql && !req.options.skipServerCheck && !req.dryRun) {
    throw new UsageError(
      `cannot ask the running server to check the new files (${access.sqlUnavailable ?? 'no way to send it SQL'}); nothing was changed. ` +
        'Pass --connect CONNINFO (a superuser), or --skip-server-check to rely on postgres -C and the pg_hba.conf parser alone.',
    );
  }
  log(`Server: PostgreSQL ${server.version}, data ${server.dataDir}, config ${server.configFile}, ${server.running ? `running (pid ${server.running.pid})` : 'not running'}`);
  const changed = changedFiles(plan);
  if (changed.length === 0) {
    log('Nothing to change: the server already has this bundle.');
    return { code: 0, changed };
  }
  for (const w of [...bundle.warnings, ...plan.warnings]) log(`Note: ${w}`);
  logTrust(plan, server.hbaFile, log);
  // Who can still log in, proven before anything is written; refuses (UsageError) when no superuser could.
  if (changed.some((f) => f.role === 'hba')) {
    const who = await checkAccess(access, plan, req.options.md5ToScram);
    if (who.losing.length > 0) log(`Warning: these roles would have no way to log in after this apply:\n${who.losing.map((l) => `  ${l}`).join('\n')}`, true);
    for (const n of who.notes) log(`Note: ${n}`);
    if (who.admins.length > 0) log(`Superusers who can still log in afterwards: ${who.admins.join('; ')}`);
  }
  // The apply goes on with these: a warning, not an error (an error stops it).
  // Open rules were listed above; their lint findings would only repeat them.
  const listed = new Set((plan.openRules ?? []).length > 0 ? ['trust-local', 'trust-network', 'password-network'] : []);
  for (const f of plan.findings.filter((x) => x.severity !== 'info' && !listed.has(x.code))) log(`${server.hbaFile}:${f.line}: ${f.code === 'shadowed' ? 'note' : 'warning'}: ${f.message}`);
  const reasons = server.running ? await restartReasons(bundle, plan, access) : [];
  const steps = describeSteps(server, changed, plan, reasons.length > 0, bundle.dir, req.restartMode);
  const statements = alterSystemStatements(plan);
  if (statements.length > 0) log(`The settings go into ${autoConfPath(server)} by ALTER SYSTEM, through ${access.via}.`);
  if (req.dryRun) {
    // postgresql.auto.conf is the server's to write: the dry run shows the statements instead of a diff.
    const shown = changed.filter((f) => f.role !== 'auto-conf');
    log(dryRunReport(shown.map((f) => ({ path: f.path, before: f.before, after: f.after, secret: f.secret })), steps, idNames(server.osUser)).trimEnd());
    return { code: 0, changed };
  }
  checkWritable(server, changed);
  if (reasons.length > 0 && !(await agreeToRestart(req, reasons))) {
    log('Nothing was changed.');
    return { code: 1, changed: [] };
  }

  const backup = createBackup(changed, { ...server, stateDir, bundle: bundle.dir, now: req.now ?? new Date(), tool: TOOL_VERSION });
  log(`Backed up ${changed.filter((f) => f.before).length} file(s) to ${backup.dir}`);
  const release = guardExit(backup, server);
  try {
    for (const f of changed) {
      if (f.role === 'auto-conf') {
        // Backed up above like any file: a refusal, a failed check or a rollback puts the old bytes back.
        const refused = await runAlterSystem(access.statements!, statements, log);
        if (refused) {
          restore(backup, access, log);
          log(`The server refused a setting of the bundle, so nothing was reloaded:\n${problemText([refused])}`, true);
          return { code: 1, changed, backupDir: backup.dir };
        }
        recordAfter(backup, f.path, server.osUser);
        log(`  the server wrote ${f.path}`);
        continue;
      }
      atomicWrite(f.path, f.after);
      log(`  wrote ${f.path} (${f.changes.join(', ')})`);
    }
    const problems: CheckProblem[] = await checkSettings(server, plan.settings, server.running ? access.sql : undefined);
    const hbaFile = plan.files.find((f) => f.role === 'hba')!;
    const hbaText = Buffer.from(hbaFile.after.bytes).toString('utf8');
    const hbaBefore = hbaFile.before ? Buffer.from(hbaFile.before.bytes).toString('utf8') : undefined;
    const dialect = knownVersionTraits(server.version)?.hba;
    if (server.running && !access.sql) log(`Note: --skip-server-check: the server was not asked to check the files (${access.sqlUnavailable ?? 'no SQL'}); checked with postgres -C and the pg_hba.conf parser only.`);
    if (server.running && access.sql) {
      const own = changed.filter((f) => f.role === 'settings' || f.role === 'auto-conf').map((f) => f.path);
      const ownNames = req.options.alterSystem ? { ownNames: plan.settings.map((s) => s.name) } : {};
      const ssl = plan.settings.find((x) => x.name === 'ssl');
      const asked = await checkWithServer(access.sql, { hbaFile: server.hbaFile, hbaText, ...(hbaBefore !== undefined ? { hbaBefore } : {}), ...(dialect ? { dialect } : {}), ownFiles: own, ...ownNames, sslTurnsOn: ssl !== undefined && sameSettingValue('on', ssl.value) });
      if (asked.unavailable) {
        if (!req.options.skipServerCheck) problems.push({ where: access.via, message: `the server could not check the new files: ${asked.unavailable} (--skip-server-check goes on without it)` });
        else log(`Note: could not ask the server to check the files (${asked.unavailable}); checked with postgres -C and the pg_hba.conf parser only.`);
      } else log(`The server checked the new files (pg_hba_file_rules, pg_file_settings) through ${access.via}.`);
      for (const n of asked.notes) log(`Note: ${n}`);
      problems.push(...asked.problems);
    }
    if (problems.length > 0) {
      restore(backup, access, log);
      log(`The server would not accept the new configuration, so nothing was reloaded:\n${problemText(problems)}`, true);
      return { code: 1, changed, backupDir: backup.dir };
    }
    if (!server.running) {
      backup.manifest.status = 'applied';
      saveManifest(backup);
      log('The server is not running: the new configuration takes effect when it starts.');
      return { code: 0, changed, backupDir: backup.dir };
    }
    const after = await reloadAndVerify(access, plan, bundle, reasons.length > 0, log, req.restartMode);
    if (after.length > 0) {
      restore(backup, access, log);
      await reloadAndVerify(access, plan, undefined, reasons.length > 0, log, req.restartMode);
      log(`The server did not take the new configuration; the old one is back in place and reloaded:\n${problemText(after)}`, true);
      return { code: 1, changed, backupDir: backup.dir };
    }
    backup.manifest.status = 'applied';
    saveManifest(backup);
    log(`Applied. To undo: pg-secure-setup rollback --pgdata ${server.dataDir}`);
    return { code: 0, changed, backupDir: backup.dir };
  } finally {
    release();
  }
}
