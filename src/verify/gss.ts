/**
 * `verify --gss`: prove GSSAPI encryption (18.10) with libpq, since
 * node-postgres speaks no GSSAPI: a gssencmode=require connection must
 * report pg_stat_gssapi.encrypted, and a plaintext one must be refused.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One check of verify --gss. */
export interface GssCheck {
  readonly id: 'gss-encrypted' | 'plaintext-refused';
  readonly status: 'pass' | 'fail';
  readonly detail: string;
  readonly fix?: string;
}

/** What verify --gss found. */
export interface GssReport {
  readonly psql: string;
  readonly principal?: string;
  readonly checks: readonly GssCheck[];
  readonly ok: boolean;
}

/** psql on PATH, else the newest of Debian's /usr/lib/postgresql/N/bin; undefined when none. */
export function findPsql(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, 'psql'))) return join(dir, 'psql');
  }
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  return majors.map((m) => join(base, m, 'bin', 'psql')).find((p) => existsSync(p));
}

/** The user's conninfo (keyword/value or URI) with libpq parameters added; later keywords win in libpq. */
export function withParams(conninfo: string, params: Readonly<Record<string, string>>): string {
  if (/^postgres(ql)?:\/\//.test(conninfo)) {
    const q = Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    return `${conninfo}${conninfo.includes('?') ? '&' : '?'}${q}`;
  }
  return [conninfo, ...Object.entries(params).map(([k, v]) => `${k}='${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)].join(' ').trim();
}

function psql(bin: string, conninfo: string, sql: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, ['-XAtq', '-w', conninfo, '-c', sql], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ ok: !err, out: (err ? stderr : stdout).trim() }));
  });
}

/** Run both checks against the server `conninfo` names. */
export async function runGssVerify(conninfo: string, bin: string): Promise<GssReport> {
  const checks: GssCheck[] = [];
  const enc = await psql(bin, withParams(conninfo, { gssencmode: 'require', connect_timeout: '10' }), 'SELECT encrypted, principal FROM pg_stat_gssapi WHERE pid = pg_backend_pid()');
  let principal: string | undefined;
  if (!enc.ok) {
    checks.push({
      id: 'gss-encrypted',
      status: 'fail',
      detail: enc.out.replace(/^psql: error: /, ''),
      fix: 'Get a ticket (kinit PRINCIPAL), connect by the host name of the service principal (postgres/HOST@REALM), and check the server has hostgssenc rules and krb_server_keyfile.',
    });
  } else {
    const [encrypted, p] = enc.out.split('|');
    principal = p || undefined;
    checks.push(
      encrypted === 't'
        ? { id: 'gss-encrypted', status: 'pass', detail: `gssencmode=require: pg_stat_gssapi.encrypted = t, principal ${principal ?? '(none)'}` }
        : { id: 'gss-encrypted', status: 'fail', detail: `the session is not GSSAPI-encrypted (pg_stat_gssapi: ${enc.out})` },
    );
  }
  const plain = await psql(bin, withParams(conninfo, { gssencmode: 'disable', sslmode: 'disable', connect_timeout: '10' }), 'SELECT 1');
  const refused = !plain.ok && /pg_hba\.conf|no encryption/.test(plain.out);
  checks.push(
    refused
      ? { id: 'plaintext-refused', status: 'pass', detail: 'gssencmode=disable sslmode=disable: refused by pg_hba.conf' }
      : plain.ok
        ? { id: 'plaintext-refused', status: 'fail', detail: 'an unencrypted connection logged in', fix: 'Put "hostnossl all all all reject" after the hostgssenc rules (pg-secure-setup generate --transport gssapi writes it).' }
        : { id: 'plaintext-refused', status: 'fail', detail: `inconclusive: ${plain.out.replace(/^psql: error: /, '')}` },
  );
  return { psql: bin, ...(principal ? { principal } : {}), checks, ok: checks.every((c) => c.status === 'pass') };
}

/** The report as people read it. */
export function formatGssReport(r: GssReport): string {
  const lines = [`GSSAPI encryption (18.10), checked with ${r.psql}:`];
  for (const c of r.checks) {
    lines.push(`  ${c.status === 'pass' ? 'ok  ' : 'FAIL'}  ${c.id === 'gss-encrypted' ? 'GSSAPI-encrypted session' : 'plaintext refused       '}  ${c.detail}`);
    if (c.fix) lines.push(`        fix: ${c.fix}`);
  }
  lines.push('', r.ok ? 'All checks hold.' : `${r.checks.filter((c) => c.status === 'fail').length} check(s) failed.`);
  return lines.join('\n');
}
