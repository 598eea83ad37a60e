/**
 * The replication role's client files on a standby: where its
 * primary_conninfo (27.2.5, 19.6.3) says libpq finds them (sslrootcert,
 * sslcert, sslkey: 32.19.1) and what installing the bundle's
 * clients/ROLE/ files there changes. primary_conninfo is the server's
 * OS user's to edit, so its paths are untrusted: apply writes only into a
 * directory that user owns and nobody else can write, outside the bundle.
 */
import { lstatSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { UsageError } from '../errors.js';
import { parseConnString } from '../pg/conn-params.js';
import { readBundleFile } from './bundle-check.js';
import { changesOf, type FileState, type PlannedFile, type ReplicationFileRole } from './plan.js';

/** The three files, the primary_conninfo keyword naming each, and its mode (libpq refuses a key others can read, 32.19.2). */
export const REPLICATION_FILES = [
  { name: 'root.crt', keyword: 'sslrootcert', mode: 0o644 },
  { name: 'postgresql.crt', keyword: 'sslcert', mode: 0o644 },
  { name: 'postgresql.key', keyword: 'sslkey', mode: 0o600 },
] as const;
export type ReplicationFileName = (typeof REPLICATION_FILES)[number]['name'];

/** The bundle's replication role and its client files. */
export interface ReplicationBundle {
  readonly role: string;
  /** Absolute clients/ROLE directory of the bundle. */
  readonly dir: string;
  readonly files: Readonly<Record<ReplicationFileName, Uint8Array>>;
  /** The bundle's transport is both: its standbys' conninfo carries gssencmode=disable (TLS with the certificate, not GSS). */
  readonly gssencDisable: boolean;
}

/** Target path of each file. */
export type ReplicationPaths = Readonly<Record<ReplicationFileName, string>>;

/** The bundle's replication role (answers.json replicationUser) and clients/ROLE/ files; undefined without a role. */
export async function readReplicationBundle(bundleDir: string): Promise<ReplicationBundle | undefined> {
  const answers = await readBundleFile(bundleDir, 'answers.json');
  if (answers.problem) throw new UsageError(`${bundleDir}/${answers.problem.where} ${answers.problem.message}`);
  if (!answers.bytes) throw new UsageError(`${bundleDir} is not a pg-secure-setup bundle (missing answers.json); make one with pg-secure-setup generate`);
  let role: unknown;
  let transport: unknown;
  try {
    const parsed = JSON.parse(answers.bytes.toString('utf8')) as { replicationUser?: unknown; transport?: unknown } | null;
    role = parsed?.replicationUser;
    transport = parsed?.transport;
  } catch (err) {
    throw new UsageError(`${bundleDir}/answers.json: not valid JSON (${(err as Error).message})`);
  }
  if (typeof role !== 'string' || role === '') return undefined;
  if (role.includes('/') || role.startsWith('.')) throw new UsageError(`${bundleDir}/answers.json: replicationUser "${role}" cannot name a directory of clients/`);
  const files: Partial<Record<ReplicationFileName, Uint8Array>> = {};
  const problems: string[] = [];
  for (const f of REPLICATION_FILES) {
    const r = await readBundleFile(bundleDir, `clients/${role}/${f.name}`);
    if (r.problem) problems.push(`${r.problem.where} ${r.problem.message}`);
    else if (!r.bytes) problems.push(`clients/${role}/${f.name} is missing`);
    else files[f.name] = r.bytes;
  }
  if (problems.length > 0) throw new UsageError(`${bundleDir}: the replication role's files cannot be installed; nothing was changed:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { role, dir: join(bundleDir, 'clients', role), files: files as Record<ReplicationFileName, Uint8Array>, gssencDisable: transport === 'both' };
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** Problems of one target path: not absolute, inside the bundle, a control character. */
export function pathProblem(what: string, path: string, bundleDir: string): string | undefined {
  if (/[\0\n\r]/.test(path)) return `${what} holds a control character`;
  if (!isAbsolute(path)) return `${what} "${path}" is a relative path (libpq would read it from wherever the process runs): name an absolute path`;
  if (posix.normalize(path) !== path) return `${what} "${path}" is not a plain absolute path (no "..", "." or "//"): name the file itself`;
  if (inside(path, bundleDir)) return `${what} "${path}" is inside the bundle ${bundleDir}: the files are installed out of it, into a directory of the server's user`;
  return undefined;
}

/**
 * Where a standby's primary_conninfo says the replication files are, or why
 * apply does not install them: no verify-full, another user, a file not
 * named or named by a relative path or inside the bundle. Pure.
 */
export function replicationPaths(conninfo: string | undefined, role: string, bundleDir: string): { paths: ReplicationPaths } | { problems: string[] } {
  if (conninfo === undefined || conninfo.trim() === '') return { problems: ['it sets no primary_conninfo'] };
  let p;
  try {
    p = parseConnString(conninfo, 'primary_conninfo', true);
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  const problems: string[] = [];
  if (p.sslmode !== 'verify-full') problems.push(`primary_conninfo has sslmode=${p.sslmode ?? 'prefer (by default)'}, not verify-full: the standby does not check that it reaches the primary (32.19.3)`);
  if (p.user !== role) problems.push(`primary_conninfo connects as ${p.user ? `user ${p.user}` : 'the OS user (no user=)'}, not as the bundle's replication role ${role}`);
  const paths: Partial<Record<ReplicationFileName, string>> = {};
  for (const f of REPLICATION_FILES) {
    const value = p[f.keyword];
    if (value === undefined || value === '') {
      problems.push(`primary_conninfo names no ${f.keyword}: libpq would look in ~/.postgresql/, and apply does not guess`);
      continue;
    }
    if (f.keyword === 'sslrootcert' && value === 'system') {
      problems.push('primary_conninfo has sslrootcert=system: the bundle\'s CA is not among the system\'s roots');
      continue;
    }
    const bad = pathProblem(`${f.keyword}`, value, bundleDir);
    if (bad) problems.push(`primary_conninfo's ${bad}`);
    else paths[f.name] = value;
  }
  const named = Object.values(paths);
  if (new Set(named).size !== named.length) problems.push('primary_conninfo names one file for two of sslrootcert, sslcert and sslkey');
  return problems.length > 0 ? { problems } : { paths: paths as ReplicationPaths };
}

/** The fix for a primary_conninfo apply cannot use, as the bundle README's "Standby" section builds it. */
export function conninfoFix(role: string, gssencDisable = false): string {
  return (
    `Give the standby the primary_conninfo of the bundle README's "Standby" section: install the files with ` +
    `pg-secure-setup apply BUNDLE --server NAME --replication-files DIR, then build it with ` +
    `pg_basebackup -R -d 'host=PRIMARY user=${role} sslmode=verify-full sslrootcert=DIR/root.crt sslcert=DIR/postgresql.crt sslkey=DIR/postgresql.key${gssencDisable ? ' gssencmode=disable' : ''}' ` +
    `(on a running standby: ALTER SYSTEM SET primary_conninfo = '...', then a reload, or a restart where the server reads it only at start: 19.6.3)`
  );
}

/**
 * Why root must not write into `dir` for `owner`: missing, not a directory,
 * owned by someone else, or writable by others. Whoever owns it could put
 * the files there themselves; nobody else is given a file by root.
 */
export function dirProblem(dir: string, owner: { uid: number; name: string }): string | undefined {
  // A link on the way counts only if root made it, as in fs.ts: the server's user could point it anywhere.
  const parts = dir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = `/${parts.slice(0, i).join('/')}`;
    let l;
    try {
      l = lstatSync(prefix);
    } catch {
      break;
    }
    if (l.isSymbolicLink() && l.uid !== 0) return `${prefix} is a symbolic link made by uid ${l.uid}, not by root: name the directory itself`;
  }
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    return `${dir} ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as NodeJS.ErrnoException).code})`}`;
  }
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== owner.uid) return `${dir} is owned by uid ${st.uid}, not by ${owner.name}: apply writes the replication files only into a directory of ${owner.name}'s (chown ${owner.name} ${dir})`;
  if ((st.mode & 0o022) !== 0) return `${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 700 it`;
  return undefined;
}

/** The planned files: the bundle's bytes at each path, owned by `owner`, certificates 0644 and the key 0600. */
export function planReplicationFiles(
  bundle: ReplicationBundle,
  paths: ReplicationPaths,
  owner: { uid: number; gid: number },
  current: (path: string) => FileState | undefined,
): PlannedFile[] {
  return REPLICATION_FILES.map((f) => {
    const before = current(paths[f.name]);
    const after: FileState = { bytes: bundle.files[f.name], mode: f.mode, uid: owner.uid, gid: owner.gid };
    const role: ReplicationFileRole = `replication-${f.name}`;
    return { role, path: paths[f.name], before, after, secret: f.name === 'postgresql.key', changes: changesOf(before, after), source: join(bundle.dir, f.name) };
  });
}
