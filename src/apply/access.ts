/**
 * Nobody locked out: before apply changes anything, work out who can still
 * log in under the new pg_hba.conf (hba-access.ts). No superuser left with a
 * way in: refuse, naming each and the fix. Other login roles that lose
 * their way in: listed, each with the command that gives it one back.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { hbaRecords, parseHba, whoGetsIn, type AccessContext, type LoginRole, type Verdict } from '../hba/index.js';
import { knownVersionTraits } from '../plan/versions.js';
import { sameSettingValue } from '../pg/conf.js';
import type { ApplyPlan } from './plan.js';
import type { ServerAccess } from './locate-connect.js';

/** What judgeAccess found. */
export interface AccessReport {
  /** Why the apply must not go on (no superuser keeps a way in); undefined when it may. */
  readonly refusal?: string;
  /** Roles that lose their way in, one line each with the fix. */
  readonly losing: readonly string[];
  /** What could not be checked, or why an md5 password is expected. */
  readonly notes: readonly string[];
  /** Superusers who surely keep a way in, each with how. */
  readonly admins: readonly string[];
}

/** Input of judgeAccess: the pg_hba.conf texts before and after, and the server's login roles. */
export interface AccessInput {
  readonly before: string;
  readonly after: string;
  readonly roles: readonly LoginRole[];
  readonly osUsers: ReadonlySet<string>;
  readonly sslBefore: boolean;
  readonly sslAfter: boolean;
  readonly version: number;
  readonly hbaFile: string;
}

const setPassword = (role: string) => `pg-secure-setup set-password ${/^[A-Za-z0-9_.-]+$/.test(role) ? role : `'${role.replace(/'/g, `'\\''`)}'`}`;

/** Why a role gets no way in under `after`, and what gives it one back. */
function why(role: LoginRole, withScram: Verdict, hbaFile: string): { reason: string; fix: string } {
  if (withScram !== 'no' && role.secret === 'md5') {
    return { reason: 'its password is stored as an md5 hash, which scram-sha-256 rules refuse (20.5)', fix: `${setPassword(role.name)} (stores a SCRAM secret; md5 rules accept it too)` };
  }
  if (withScram !== 'no') return { reason: 'it has no password, and peer does not apply to it (no OS user of that name)', fix: setPassword(role.name) };
  return {
    reason: 'no rule of the new pg_hba.conf lets it in',
    fix: `add one above the others in ${hbaFile} (e.g. "local all ${role.name} scram-sha-256"), then ${setPassword(role.name)}`,
  };
}

/** Who keeps a way in (pure). */
export function judgeAccess(input: AccessInput): AccessReport {
  const before = parseHba(input.before);
  const after = parseHba(input.after);
  const ctx = (ssl: boolean): AccessContext => ({ osUsers: input.osUsers, ssl });
  const judged = input.roles.map((role) => {
    const now = whoGetsIn(before, role, ctx(input.sslBefore)).verdict;
    const then = whoGetsIn(after, role, ctx(input.sslAfter));
    const withScram = then.verdict === 'no' ? whoGetsIn(after, { ...role, secret: 'scram' }, ctx(input.sslAfter)).verdict : then.verdict;
    return { role, now, then, withScram };
  });
  const notes: string[] = [];
  const md5Default = knownVersionTraits(input.version)?.defaultPasswordEncryption === 'md5';
  const supers = judged.filter((j) => j.role.superuser);
  let refusal: string | undefined;
  if (supers.length > 0 && supers.every((j) => j.then.verdict === 'no')) {
    const lines = supers.map((j) => {
      const w = why(j.role, j.withScram, input.hbaFile);
      return `  ${j.role.name}: ${w.reason}\n    fix: ${w.fix}`;
    });
    refusal = `after this apply no superuser could log in, so nothing was changed:\n${lines.join('\n')}\nThen run the apply again.`;
  }
  const losing = judged
    .filter((j) => !j.role.superuser || refusal === undefined)
    .filter((j) => j.then.verdict === 'no' && (j.now !== 'no' || j.withScram !== 'no'))
    .map((j) => {
      const w = why(j.role, j.withScram, input.hbaFile);
      return `${j.role.name}: ${w.reason}; fix: ${w.fix}`;
    });
  if (md5Default && judged.some((j) => j.role.secret === 'md5' && j.then.verdict === 'no')) {
    notes.push(`PostgreSQL ${input.version} stores passwords as md5 unless password_encryption says otherwise (19.3.2): passwords set before this bundle's password_encryption = 'scram-sha-256' are md5 hashes`);
  }
  const admins = supers.filter((j) => j.then.verdict === 'yes').map((j) => `${j.role.name} ${j.then.how}`);
  return { ...(refusal ? { refusal } : {}), losing, notes, admins };
}

interface RoleRow {
  rolname: string;
  rolsuper: boolean;
  secret: LoginRole['secret'];
}

const ROLES_SQL = `SELECT rolname, rolsuper, CASE WHEN rolpassword IS NULL THEN 'none' WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram' ELSE 'md5' END AS secret
  FROM pg_catalog.pg_authid WHERE rolcanlogin AND (rolvaliduntil IS NULL OR rolvaliduntil > now()) ORDER BY rolname`;

// Names of local OS accounts: peer lets each in as the role of the same name (20.9).
function osUserNames(): Set<string> {
  try {
    return new Set(readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')[0]!).filter(Boolean));
  } catch {
    return new Set();
  }
}

// psql without a terminal ends on its password prompt: say what that means.
function readable(error: string): string {
  const asked = /^Password for user (.+):/.exec(error);
  return asked ? `the server asks a password of role "${asked[1]}" over its socket` : error;
}

const on = (v: string | undefined) => v !== undefined && sameSettingValue('on', v);

/**
 * Check, before any change, that the new pg_hba.conf leaves a superuser a way
 * in. Throws UsageError when it does not, or when the file takes a way in
 * away and the running server cannot be asked who its roles are.
 */
export async function checkAccess(access: ServerAccess, plan: ApplyPlan, md5ToScram: boolean): Promise<AccessReport> {
  const hba = plan.files.find((f) => f.role === 'hba');
  if (!hba || !hba.before) return { losing: [], notes: [], admins: [] };
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
  const { server } = access;
  const takesAway = (plan.closedRules?.length ?? 0) > 0 || (md5ToScram && hbaRecords(parseHba(text(hba.before.bytes))).some((r) => r.rule.method === 'md5'));
  const [roles, ssl] = access.sql ? await Promise.all([access.sql<RoleRow>(ROLES_SQL), access.sql<{ ssl: string }>('SELECT current_setting(\'ssl\') AS ssl')]) : [undefined, undefined];
  if (!roles?.ok) {
    const reason = !server.running ? 'the server is not running' : roles ? readable(roles.error) : 'there is no socket to reach it on';
    const cannot = `could not check which roles can still log in after the change (${reason})`;
    if (server.running && takesAway) {
      throw new UsageError(`${cannot}, and the new pg_hba.conf takes ways in away; nothing was changed. Give apply a superuser's connection so it can check: --connect "host=SOCKET_DIR user=SUPERUSER dbname=postgres" (password from PGPASSWORD or ~/.pgpass)`);
    }
    const md5 = knownVersionTraits(server.version)?.defaultPasswordEncryption === 'md5';
    return { losing: [], admins: [], notes: [cannot + (md5 ? `; on PostgreSQL ${server.version} passwords are stored as md5 unless password_encryption says otherwise, and those cannot log in under scram-sha-256 rules until ${setPassword('ROLE')}` : '')] };
  }
  const sslAfter = plan.settings.find((s) => s.name === 'ssl');
  const sslNow = ssl?.ok ? on(ssl.rows[0]?.ssl) : false;
  const report = judgeAccess({
    before: text(hba.before.bytes),
    after: text(hba.after.bytes),
    roles: roles.rows.map((r) => ({ name: r.rolname, superuser: r.rolsuper, secret: r.secret })),
    osUsers: osUserNames(),
    sslBefore: sslNow,
    sslAfter: sslAfter ? on(sslAfter.value) : sslNow,
    version: server.version,
    hbaFile: server.hbaFile,
  });
  if (report.refusal) throw new UsageError(report.refusal);
  return report;
}
