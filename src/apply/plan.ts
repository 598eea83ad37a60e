/**
 * What applying a bundle to a server changes: from the bundle's files and
 * the server's current files, the new contents, mode and owner of every
 * target file. Pure: no I/O, no clock. apply.ts does the writing.
 */
import { mergeIdent } from './ident.js';
import { posix } from 'node:path';
import type { HbaFinding, OpenRule } from '../hba/index.js';
import {
  ALTER_SYSTEM_NAME,
  AUTO_CONF_FILE,
  autoConfAfter,
  autoConfPending,
  confIncludes,
  confSettings,
  INCLUDE_DIRECTIVES,
  parseConf,
  withIncludeLine,
  type ConfEntry,
} from '../pg/conf.js';
import { knownVersionTraits } from '../plan/versions.js';
import { bundleRules, planHba, type HbaProblem } from './hba.js';

/** The server's OS user: owner of the data directory. */
export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Name of the group gid, for messages. */
  readonly group?: string;
}

/** Where a server keeps its files (absolute paths). */
export interface ServerLayout {
  readonly dataDir: string;
  /** postgresql.conf. */
  readonly configFile: string;
  readonly hbaFile: string;
  readonly osUser: OsUser;
  /** Major version of the data directory (PG_VERSION). */
  readonly version: number;
  /** pg_ident.conf (ident_file), known when the bundle has map lines to add. */
  readonly identFile?: string;
}

/** Server files a bundle carries, by their name in the bundle's server/ directory. */
export const SERVER_FILE_SETTINGS = {
  'server.crt': 'ssl_cert_file',
  'server.key': 'ssl_key_file',
  'root.crt': 'ssl_ca_file',
  'root.crl': 'ssl_crl_file',
  // The Kerberos keytab of a GSSAPI bundle (20.6): a secret, installed like the key.
  'krb5.keytab': 'krb_server_keyfile',
} as const;
export type ServerFileName = keyof typeof SERVER_FILE_SETTINGS;

/** A bundle as read from disk. */
export interface BundleContents {
  readonly dir: string;
  readonly pgVersion: number;
  /** conf/pg_hba.conf. */
  readonly hba: string;
  /** conf/pg-secure-setup.conf. */
  readonly settings: string;
  /** server/* files that exist. */
  readonly server: Partial<Record<ServerFileName, Uint8Array>>;
  /** conf/pg_ident.conf, when the bundle maps principals onto roles (--gss-map). */
  readonly ident?: string;
}

/** Bytes, mode and owner of a file; what is there now or what should be. */
export interface FileState {
  readonly bytes: Uint8Array;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** The replication role's client files a standby dials its primary with (primary_conninfo's sslrootcert, sslcert, sslkey). */
export type ReplicationFileRole = 'replication-root.crt' | 'replication-postgresql.crt' | 'replication-postgresql.key';

/** 'auto-conf': postgresql.auto.conf, which the server itself writes on ALTER SYSTEM. */
export type FileRole = 'hba' | 'ident' | 'settings' | 'main-conf' | 'auto-conf' | ServerFileName | ReplicationFileRole;

/** One file apply may write. */
export interface PlannedFile {
  readonly role: FileRole;
  readonly path: string;
  /** What is there now; undefined when the file does not exist. */
  readonly before: FileState | undefined;
  readonly after: FileState;
  /** Never print its contents. */
  readonly secret: boolean;
  /** Empty when the file is already as it should be. */
  readonly changes: readonly ('create' | 'content' | 'mode' | 'owner')[];
  /** The bundle file it comes from, when not server/ROLE (shown in --dry-run's steps). */
  readonly source?: string;
}

/** Options a user chooses. */
export interface ApplyOptions {
  /** Rewrite md5 records of the server's pg_hba.conf to scram-sha-256. */
  readonly md5ToScram: boolean;
  /** Key owned by the server's user (0600) or by root with the server's group (0640), as 18.9.1 allows. */
  readonly keyOwner: 'server' | 'root';
  /**
   * The settings through `ALTER SYSTEM SET` (manual: ALTER SYSTEM) into the
   * data directory's postgresql.auto.conf, read last and so winning (19.1.2),
   * instead of a file of ours.
   */
  readonly alterSystem?: boolean;
  /** Go on when the running server cannot be asked to check the new files (--skip-server-check). */
  readonly skipServerCheck?: boolean;
  /**
   * Leave the server's `trust` and `password` records as they are (--keep-trust);
   * by default local trust becomes peer and network trust/password scram-sha-256.
   */
  readonly keepTrust?: boolean;
}

/** A setting the bundle makes, to be checked against the server's view after writing. */
export interface PlannedSetting {
  readonly name: string;
  readonly value: string;
}

export interface ApplyPlan {
  readonly files: readonly PlannedFile[];
  readonly settings: readonly PlannedSetting[];
  /** Reasons the apply cannot go on; nothing may be written when there are any. */
  readonly problems: readonly HbaProblem[];
  readonly warnings: readonly string[];
  readonly findings: readonly HbaFinding[];
  /** The server's trust/password records the new pg_hba.conf closes (lines of the current file). */
  readonly closedRules?: readonly OpenRule[];
  /** Records of the new pg_hba.conf that still let connections in without a checked secret (--keep-trust). */
  readonly openRules?: readonly OpenRule[];
  /**
   * With ApplyOptions.alterSystem: the settings to set with ALTER SYSTEM, in
   * the bundle's order; only those postgresql.auto.conf does not already hold.
   */
  readonly alterSystem?: readonly PlannedSetting[];
}

/** File name of the settings snippet on the server. */
export const SETTINGS_FILE = 'pg-secure-setup.conf';

const PUBLIC = 0o644;
const PRIVATE = 0o600;
const ROOT_KEY = 0o640;

/** Where the settings snippet goes: the last include_dir of postgresql.conf that exists, else beside it. */
export function settingsTarget(layout: ServerLayout, mainConf: string, isDir: (path: string) => boolean): { path: string; viaIncludeDir: boolean } {
  const confDir = posix.dirname(layout.configFile);
  // Relative include paths are relative to the including file's directory (19.1.5).
  const dirs = confIncludes(mainConf)
    .filter((e) => e.name === 'include_dir')
    .map((e) => posix.resolve(confDir, e.value))
    .filter(isDir);
  const last = dirs.at(-1);
  return last ? { path: posix.join(last, SETTINGS_FILE), viaIncludeDir: true } : { path: posix.join(confDir, SETTINGS_FILE), viaIncludeDir: false };
}

/** postgresql.auto.conf: in the data directory whatever the layout (19.1.2). */
export function autoConfPath(layout: Pick<ServerLayout, 'dataDir'>): string {
  return posix.join(layout.dataDir, AUTO_CONF_FILE);
}

/** Absolute path of a file setting: relative ones are relative to the data directory (18.9.4, 19.2). */
export function serverFilePath(layout: ServerLayout, value: string): string {
  return posix.resolve(layout.dataDir, value);
}

/** Every path apply reads or may write, so the caller can read their current state first. */
export function applyTargets(bundle: BundleContents, layout: ServerLayout, settingsPath: string, alterSystem = false): { role: FileRole; path: string }[] {
  const settings = confSettings(bundle.settings);
  const out: { role: FileRole; path: string }[] = [
    { role: 'main-conf', path: layout.configFile },
    { role: 'settings', path: settingsPath },
    { role: 'hba', path: layout.hbaFile },
    ...(bundle.ident !== undefined && layout.identFile ? [{ role: 'ident' as const, path: layout.identFile }] : []),
    ...(alterSystem ? [{ role: 'auto-conf' as const, path: autoConfPath(layout) }] : []),
  ];
  for (const [name, setting] of Object.entries(SERVER_FILE_SETTINGS) as [ServerFileName, string][]) {
    const value = settings.get(setting)?.value;
    if (value) out.push({ role: name, path: serverFilePath(layout, value) });
  }
  return out;
}

/** What differs between a file now and what it should be. */
export function changesOf(before: FileState | undefined, after: FileState): PlannedFile['changes'] {
  if (!before) return ['create'];
  const out: ('content' | 'mode' | 'owner')[] = [];
  if (Buffer.compare(Buffer.from(before.bytes), Buffer.from(after.bytes)) !== 0) out.push('content');
  if ((before.mode & 0o7777) !== after.mode) out.push('mode');
  if (before.uid !== after.uid || before.gid !== after.gid) out.push('owner');
  return out;
}

// The server's files are edited as latin1 strings, one character per byte, so the bytes an
// apply does not mean to change come back identical whatever their encoding (comments in
// Latin-1, say). The bundle's own text (UTF-8) is brought into the same representation.
const text = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const asBytes = (utf8: string): string => Buffer.from(utf8, 'utf8').toString('latin1');

/** Input of planApply: the bundle, the server and the current state of every target from applyTargets. */
export interface PlanApplyInput {
  readonly bundle: BundleContents;
  readonly layout: ServerLayout;
  readonly settingsTarget: { path: string; viaIncludeDir: boolean };
  /** Current state by path; absent paths do not exist. */
  readonly current: ReadonlyMap<string, FileState>;
  readonly options: ApplyOptions;
}

/** Compute every target file's new state. */
export function planApply(input: PlanApplyInput): ApplyPlan {
  const { bundle, layout, current, options } = input;
  const problems: HbaProblem[] = [];
  const warnings: string[] = [];
  const files: PlannedFile[] = [];
  const user = layout.osUser;
  const add = (role: FileRole, path: string, after: FileState, secret = false): void => {
    const before = current.get(path);
    files.push({ role, path, before, after, secret, changes: changesOf(before, after) });
  };

  // Server files, where the bundle's settings say (18.9.1: key 0600 by the server's user, or 0640 by root).
  const settings = confSettings(bundle.settings);
  for (const [name, setting] of Object.entries(SERVER_FILE_SETTINGS) as [ServerFileName, string][]) {
    const value = settings.get(setting)?.value;
    const bytes = bundle.server[name];
    if (!value) continue;
    if (!bytes) {
      problems.push({ file: 'conf/pg-secure-setup.conf', line: settings.get(setting)!.line, message: `${setting} is set but the bundle has no server/${name}` });
      continue;
    }
    const isKey = name === 'server.key' || name === 'krb5.keytab';
    const owner = isKey && options.keyOwner === 'root' ? { uid: 0, gid: user.gid } : { uid: user.uid, gid: user.gid };
    const mode = isKey ? (options.keyOwner === 'root' ? ROOT_KEY : PRIVATE) : PUBLIC;
    add(name, serverFilePath(layout, value), { bytes, mode, ...owner }, isKey);
  }

  // Settings: a snippet in conf.d, or beside postgresql.conf with an include line (19.1.5).
  const mainBefore = current.get(layout.configFile);
  if (!mainBefore) {
    problems.push({ file: layout.configFile, line: 0, message: 'postgresql.conf not found' });
    return { files, settings: [], problems, warnings, findings: [] };
  }
  let alterSystem: PlannedSetting[] | undefined;
  if (options.alterSystem) {
    // Or ALTER SYSTEM: the server writes postgresql.auto.conf; this predicts what it will hold.
    const auto = planAutoConf(bundle, settings, layout, current.get(autoConfPath(layout)));
    problems.push(...auto.problems);
    alterSystem = auto.pending;
    if (auto.after) add('auto-conf', autoConfPath(layout), auto.after);
  } else {
    const confOwner = { uid: mainBefore.uid, gid: mainBefore.gid };
    add('settings', input.settingsTarget.path, { bytes: text(asBytes(bundle.settings)), mode: PUBLIC, ...confOwner });
    if (!input.settingsTarget.viaIncludeDir) {
      const main = withIncludeLine(str(mainBefore.bytes), SETTINGS_FILE, 'Added by pg-secure-setup: TLS and SCRAM settings');
      add('main-conf', layout.configFile, { ...mainBefore, mode: mainBefore.mode & 0o7777, bytes: text(main) });
    }
  }

  // pg_hba.conf: the bundle's rules inserted where they take effect, the administrator kept in.
  const hbaBefore = current.get(layout.hbaFile);
  if (!hbaBefore) {
    problems.push({ file: layout.hbaFile, line: 0, message: 'pg_hba.conf not found' });
    return { files, settings: [], problems, warnings, findings: [] };
  }
  const dialect = knownVersionTraits(layout.version)?.hba;
  const rules = bundleRules(asBytes(bundle.hba), `${bundle.dir}/conf/pg_hba.conf`, dialect);
  problems.push(...rules.problems);
  let findings: HbaFinding[] = [];
  let trust: { closedRules: OpenRule[]; openRules: OpenRule[] } = { closedRules: [], openRules: [] };
  if (rules.problems.length === 0) {
    const hba = planHba(str(hbaBefore.bytes), rules, layout.hbaFile, { osUser: asBytes(user.name), md5ToScram: options.md5ToScram, keepTrust: !!options.keepTrust, ...(dialect ? { dialect } : {}) });
    problems.push(...hba.problems);
    findings = hba.findings;
    trust = { closedRules: hba.closed, openRules: hba.stillOpen };
    if (hba.skippedLocal > 0) warnings.push(localRuleNote(layout.hbaFile, user.name, hba.stillOpen));
    add('hba', layout.hbaFile, { ...hbaBefore, mode: hbaBefore.mode & 0o7777, bytes: text(hba.text) });
  }

  // pg_ident.conf: the bundle's map lines in their marked block (20.2).
  if (bundle.ident !== undefined) {
    const identBefore = layout.identFile ? current.get(layout.identFile) : undefined;
    if (!identBefore) problems.push({ file: layout.identFile ?? 'pg_ident.conf', line: 0, message: 'pg_ident.conf not found: the bundle\'s map= rules need its lines' });
    else add('ident', layout.identFile!, { ...identBefore, mode: identBefore.mode & 0o7777, bytes: text(mergeIdent(str(identBefore.bytes), asBytes(bundle.ident))) });
  }

  for (const name of Object.keys(SERVER_FILE_SETTINGS) as ServerFileName[]) {
    if (bundle.server[name] && !settings.get(SERVER_FILE_SETTINGS[name])?.value) {
      warnings.push(`server/${name} is not installed: the bundle's settings do not set ${SERVER_FILE_SETTINGS[name]}`);
    }
  }
  return { files, settings: plannedSettings(settings), problems, warnings, findings, ...trust, ...(alterSystem ? { alterSystem } : {}) };
}

// The bundle's local rule gives way to the server's own; say what those are now.
function localRuleNote(hbaFile: string, osUser: string, open: readonly OpenRule[]): string {
  const trust = open.filter((r) => r.type === 'local');
  const head = `the bundle's local rule is not added: ${hbaFile} keeps its own local rules (and one for the OS user "${osUser}" with peer)`;
  if (trust.length === 0) return `${head}, none of which lets anyone in without peer or a password`;
  return `${head}, and with --keep-trust ${trust.map((r) => `line ${r.line} (${r.text})`).join(', ')} still let${trust.length === 1 ? 's' : ''} any OS user who can reach the socket in without a password`;
}

/**
 * postgresql.auto.conf under ALTER SYSTEM: the settings it lacks, and the
 * file as the server will rewrite it (undefined when it does not exist and
 * nothing is to be set). A file the server could not parse, or with include
 * directives it would copy into itself, is left for a person to fix.
 */
function planAutoConf(
  bundle: BundleContents,
  settings: Map<string, ConfEntry>,
  layout: ServerLayout,
  before: FileState | undefined,
): { pending: PlannedSetting[]; after: FileState | undefined; problems: HbaProblem[] } {
  const path = autoConfPath(layout);
  const current = before ? str(before.bytes) : '';
  const parsed = parseConf(current);
  const problems: HbaProblem[] = parsed.problems.map((p) => ({ file: path, line: p.line, message: `${p.message}: ALTER SYSTEM cannot read the file either; fix the line by hand` }));
  for (const e of parsed.entries.filter((x) => (INCLUDE_DIRECTIVES as readonly string[]).includes(x.name))) {
    problems.push({ file: path, line: e.line, message: `"${e.name}" does not belong in ${AUTO_CONF_FILE}: ALTER SYSTEM would copy the included settings into it; remove the line first` });
  }
  for (const e of settings.values()) {
    if (!ALTER_SYSTEM_NAME.test(e.name)) problems.push({ file: `${bundle.dir}/conf/pg-secure-setup.conf`, line: e.line, message: `"${e.written}" is not a parameter name ALTER SYSTEM SET takes` });
  }
  // Compared and written as bytes; the statements (pending) keep the values as text.
  const wanted = plannedSettings(settings);
  const pendingBytes = autoConfPending(current, wanted.map((w) => ({ ...w, value: asBytes(w.value) })));
  const pending = wanted.filter((w) => pendingBytes.some((p) => p.name === w.name));
  if (pending.length === 0) return { pending, after: before && { ...before, mode: before.mode & 0o7777 }, problems };
  // A new file is created private (0600) by the server's user, as the server creates its files.
  const owner = before ? { mode: before.mode & 0o7777, uid: before.uid, gid: before.gid } : { mode: PRIVATE, uid: layout.osUser.uid, gid: layout.osUser.gid };
  return { pending, after: { bytes: text(autoConfAfter(current, pendingBytes)), ...owner }, problems };
}

function plannedSettings(settings: Map<string, ConfEntry>): PlannedSetting[] {
  return [...settings.values()].map((e) => ({ name: e.name, value: e.value }));
}

/** The files that change. */
export function changedFiles(plan: ApplyPlan): PlannedFile[] {
  return plan.files.filter((f) => f.changes.length > 0);
}
