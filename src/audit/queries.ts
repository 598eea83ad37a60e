/**
 * The audit's queries on a live server, through server.ts's Session (this
 * module never imports `pg`). Each one says what it needs: pg_hba_file_rules
 * (the view of pg_hba.conf) is superuser-only by default; other sessions'
 * pg_stat_activity and pg_stat_ssl rows are hidden without pg_read_all_stats.
 */
import { formatRule, HBA_TYPES, type HbaRule, type HbaType } from '../hba/index.js';
import type { Session } from '../pg/server.js';

/** pg_hba.conf as the server reads it, rebuilt from pg_hba_file_rules. */
export interface HbaFromView {
  /** One record per original line number (blank lines in between), so findings name the real lines. */
  text: string;
  /** Lines the server could not read. */
  errors: { line: number; message: string }[];
}

interface HbaRow {
  line_number: number | null;
  type: string | null;
  database: string[] | null;
  user_name: string[] | null;
  address: string | null;
  netmask: string | null;
  auth_method: string | null;
  options: string[] | null;
  error: string | null;
}

function ruleOf(row: HbaRow): HbaRule | undefined {
  if (!row.type || !(HBA_TYPES as readonly string[]).includes(row.type) || !row.auth_method || !row.database || !row.user_name) return undefined;
  return {
    type: row.type as HbaType,
    databases: row.database,
    users: row.user_name,
    ...(row.type === 'local' ? {} : { address: row.address ?? 'all' }),
    ...(row.netmask ? { mask: row.netmask } : {}),
    method: row.auth_method,
    options: (row.options ?? []).map((o): [string, string] => {
      const eq = o.indexOf('=');
      return eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
    }),
  };
}

/**
 * Read pg_hba_file_rules (superuser). An invalid clientcert value shows as
 * an all-NULL row with no error text (PostgreSQL 15), so a row without a
 * type counts as an error too.
 */
export async function hbaFromView(s: Session): Promise<HbaFromView> {
  const rows = await s.query<HbaRow & Record<string, unknown>>(
    'SELECT line_number, type, database, user_name, address, netmask, auth_method, options, error FROM pg_catalog.pg_hba_file_rules ORDER BY line_number',
  );
  const lines: string[] = [];
  const errors: HbaFromView['errors'] = [];
  for (const row of rows) {
    const n = row.line_number ?? 0;
    // A row can carry both values and a message: the server loads such a line and only
    // warns (e.g. "hostssl record cannot match because SSL is disabled", which ssl-off covers).
    const rule = ruleOf(row);
    let text: string | undefined;
    try {
      text = rule ? formatRule(rule) : undefined;
    } catch {
      text = undefined;
    }
    if (!text) {
      errors.push({ line: n, message: row.error ?? 'the server could not read this line (pg_hba_file_rules shows it with no values)' });
      continue;
    }
    while (lines.length < n - 1) lines.push('');
    lines.push(text);
  }
  return { text: lines.length > 0 ? `${lines.join('\n')}\n` : '', errors };
}

/** A client session over TCP and whether it negotiated TLS. */
export interface SessionTls {
  pid: number;
  user?: string;
  clientAddr: string;
  applicationName?: string;
  ssl: boolean;
  own: boolean;
}

/**
 * Client sessions over TCP (Unix-socket sessions cannot use TLS and are
 * left out), from pg_stat_ssl. `hidden`: rows this role may not see (every
 * column NULL without pg_read_all_stats), so the list may be incomplete.
 */
export async function tcpSessions(s: Session): Promise<{ sessions: SessionTls[]; hidden: boolean }> {
  const rows = await s.query<{ pid: number; usename: string | null; client_addr: string | null; application_name: string | null; ssl: boolean | null; own: boolean; hidden: boolean }>(
    // A GSSAPI-encrypted session (pg_stat_gssapi.encrypted, 18.10) is encrypted too: counted as ssl here.
    `SELECT a.pid, a.usename, host(a.client_addr) AS client_addr, a.application_name, s.ssl OR COALESCE(g.encrypted, false) AS ssl, a.pid = pg_backend_pid() AS own, a.backend_type IS NULL AS hidden
       FROM pg_catalog.pg_stat_activity a LEFT JOIN pg_catalog.pg_stat_ssl s ON s.pid = a.pid LEFT JOIN pg_catalog.pg_stat_gssapi g ON g.pid = a.pid
      WHERE a.backend_type IS NULL OR (a.backend_type = 'client backend' AND a.client_addr IS NOT NULL)
      ORDER BY a.pid`,
  );
  const sessions = rows
    .filter((r) => !r.hidden && r.client_addr !== null && r.ssl !== null)
    .map((r) => ({
      pid: r.pid,
      ...(r.usename ? { user: r.usename } : {}),
      clientAddr: r.client_addr!,
      ...(r.application_name ? { applicationName: r.application_name } : {}),
      ssl: r.ssl!,
      own: r.own,
    }));
  return { sessions, hidden: rows.some((r) => r.hidden) };
}
