/**
 * Check a configuration before and after the reload. Before: the files on
 * disk as the server reads them (pg_hba_file_rules and pg_file_settings read
 * the files, not the loaded state; `postgres -C` rejects bad values). After:
 * what the server now does, since a reload that fails keeps the old
 * configuration and only says so in its log (19.1.2, 20.1, 18.9).
 */
import { X509Certificate } from 'node:crypto';
import { probe } from '../pg/conn-probe.js';
import { sameSettingValue } from '../pg/conf.js';
import { parseHba, type HbaDialect } from '../hba/index.js';
import { hbaLineText, lineBefore } from './hba.js';
import type { PlannedSetting } from './plan.js';
import type { SqlRunner } from './sql.js';
import { showSetting, type LocatedServer } from './locate.js';

/** Something the server would refuse, or a setting that would not take effect. */
export interface CheckProblem {
  /** file:line, or the setting's name. */
  readonly where: string;
  readonly message: string;
}

/** Where the server reads each setting from now: the file and line that wins (pg_file_settings.applied). */
async function winningLines(sql: SqlRunner | undefined, names: readonly string[]): Promise<Map<string, string>> {
  if (!sql || names.length === 0) return new Map();
  const list = names.map((n) => `'${n.replace(/'/g, "''")}'`).join(',');
  const r = await sql<{ name: string; sourcefile: string; sourceline: number }>(`SELECT name, sourcefile, sourceline FROM pg_file_settings WHERE applied AND name IN (${list})`);
  return r.ok ? new Map(r.rows.map((x) => [x.name, `${x.sourcefile}:${x.sourceline}`])) : new Map();
}

/**
 * Settings the bundle makes, read back with `postgres -C` after the files
 * were written. With `sql`, an overridden setting names the line that wins.
 */
export async function checkSettings(server: LocatedServer, settings: readonly PlannedSetting[], sql?: SqlRunner): Promise<CheckProblem[]> {
  const first = await showSetting(server, 'config_file');
  // A bad value anywhere makes every -C fail the same way: report it once.
  if (!first.ok) return [{ where: server.configFile, message: first.error }];
  const shown = await Promise.all(settings.map(async (s) => ({ s, r: await showSetting(server, s.name) })));
  const overridden = shown.filter(({ s, r }) => r.ok && !sameSettingValue(r.value, s.value)).map(({ s }) => s.name);
  const winners = await winningLines(sql, overridden);
  return shown.flatMap(({ s, r }): CheckProblem[] => {
    if (!r.ok) return [{ where: s.name, message: r.error }];
    if (sameSettingValue(r.value, s.value)) return [];
    const at = winners.get(s.name);
    return [{ where: s.name, message: `the server would use "${r.value}", not "${s.value}" as the bundle sets: ${at ? `${at} overrides it` : 'a later line of the configuration (or postgresql.auto.conf) overrides it'}` }];
  });
}

/** A warning, not an error: the record is kept (hba.c); it only means ssl is off right now. */
const SSL_DISABLED = 'hostssl record cannot match because SSL is disabled';

// A row with every column NULL: the server dropped the line, and its error column may hold an
// earlier warning of the same line; our parser usually knows the real reason.
function unusableLine(text: string | undefined, error: string | null, dialect: HbaDialect | undefined): string {
  const line = text === undefined ? undefined : parseHba(text, dialect).lines[0];
  const ours = line?.kind === 'invalid' ? line.error : undefined;
  const theirs = error && error !== SSL_DISABLED ? error : undefined;
  return `the server cannot use this line: ${ours ?? theirs ?? 'an invalid option value (e.g. clientcert)'}`;
}

interface HbaRow {
  line_number: number;
  type: string | null;
  error: string | null;
}
interface SettingRow {
  sourcefile: string | null;
  sourceline: number | null;
  name: string | null;
  error: string;
}

/**
 * Ask the server what it thinks of the files now on disk. An invalid
 * clientcert value shows as a row with every column NULL and no error
 * (PostgreSQL 15), hence `type IS NULL`.
 */
export async function checkWithServer(
  sql: SqlRunner,
  ctx: { hbaFile: string; hbaText: string; hbaBefore?: string; dialect?: HbaDialect; ownFiles: readonly string[]; ownNames?: readonly string[]; sslTurnsOn: boolean },
): Promise<{ problems: CheckProblem[]; notes: string[]; unavailable?: string }> {
  const hba = await sql<HbaRow>('SELECT line_number, type, error FROM pg_hba_file_rules WHERE error IS NOT NULL OR type IS NULL ORDER BY line_number');
  if (!hba.ok) return { problems: [], notes: [], unavailable: hba.error };
  // The server numbers the file on disk now; a failed check puts the old one back, so name the line as it was there.
  const where = (r: HbaRow) => {
    if (ctx.hbaBefore === undefined || ctx.hbaBefore === ctx.hbaText) return `${ctx.hbaFile}:${r.line_number}`;
    const before = lineBefore(ctx.hbaBefore, ctx.hbaText, r.line_number);
    return before !== undefined ? `${ctx.hbaFile}:${before}` : `${ctx.hbaFile}, line ${r.line_number} of the new file`;
  };
  // The view judges hostssl lines by the ssl setting in force now, and the record is kept anyway.
  const warned = hba.rows.filter((r) => r.type !== null && r.error === SSL_DISABLED);
  const notes = ctx.sslTurnsOn ? [] : warned.map((r) => `${where(r)}: ${SSL_DISABLED}`);
  const problems: CheckProblem[] = hba.rows.filter((r) => !warned.includes(r)).map((r) => {
    const text = hbaLineText(ctx.hbaText, r.line_number);
    const message = r.type === null ? unusableLine(text, r.error, ctx.dialect) : (r.error ?? 'error');
    return { where: where(r), message: text === undefined ? message : `${message}\n    ${text.trim()}` };
  });
  const conf = await sql<SettingRow>('SELECT sourcefile, sourceline, name, error FROM pg_file_settings WHERE error IS NOT NULL');
  if (conf.ok) {
    for (const r of conf.rows) {
      // "could not be applied" on someone else's line is a change waiting for a restart, not ours to judge;
      // in a shared file (postgresql.auto.conf) only the lines of ownNames are ours.
      const ours = ctx.ownFiles.includes(r.sourcefile ?? '') && (!ctx.ownNames || ctx.ownNames.includes(r.name ?? ''));
      if (r.error === 'setting could not be applied' && !ours) continue;
      problems.push({ where: `${r.sourcefile ?? '?'}:${r.sourceline ?? '?'}`, message: r.name ? `${r.name}: ${r.error}` : r.error });
    }
  }
  return { problems, notes };
}

/**
 * The certificate a server presents, read by conn-probe's SSLRequest and a
 * handshake that verifies nothing. Undefined when the server refuses TLS.
 */
export async function presentedCertificate(host: string, port: number, timeoutMs = 3000): Promise<Buffer | undefined> {
  const r = await probe({ address: host, port, ssl: { verify: false }, timeoutMs });
  if (r.outcome.kind === 'ssl-refused') return undefined;
  const leaf = r.tls?.chainPem[0];
  if (leaf) return new X509Certificate(leaf).raw;
  throw new Error('message' in r.outcome ? r.outcome.message : `no certificate from ${host}:${port}`);
}

/** Settings the running server reports, read in a new session. */
export async function runningSettings(sql: SqlRunner, names: readonly string[]): Promise<Map<string, { setting: string; pendingRestart: boolean }> | undefined> {
  const list = names.map((n) => `'${n.replace(/'/g, "''")}'`).join(',');
  const r = await sql<{ name: string; setting: string; pending_restart: boolean }>(`SELECT name, setting, pending_restart FROM pg_settings WHERE name IN (${list || "''"})`);
  if (!r.ok) return undefined;
  return new Map(r.rows.map((row) => [row.name, { setting: row.setting, pendingRestart: row.pending_restart }]));
}

/** Settings that only take effect on a restart (context postmaster) and would change; needs SQL. */
export async function restartSettings(sql: SqlRunner, settings: readonly PlannedSetting[]): Promise<string[] | undefined> {
  const list = settings.map((s) => `'${s.name.replace(/'/g, "''")}'`).join(',');
  const r = await sql<{ name: string; setting: string; unit: string | null }>(`SELECT name, setting, unit FROM pg_settings WHERE context = 'postmaster' AND name IN (${list || "''"})`);
  if (!r.ok) return undefined;
  return r.rows.filter((row) => !row.unit && !sameSettingValue(row.setting, settings.find((s) => s.name === row.name)!.value)).map((row) => row.name);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `probe` says yes or the time is up; returns the last answer. */
export async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last) && Date.now() < end) {
    await sleep(stepMs);
    last = await probe();
  }
  return last;
}
