/**
 * The lab's deliberately insecure starting point: the problems the course is
 * about, nothing else. ssl off, password_encryption md5, login roles with
 * md5-stored passwords, md5 and trust rules in pg_hba.conf, some data.
 * The superuser alone gets a SCRAM secret and its own socket rule first, so
 * the lab (and `lab check`) keeps a way in whatever the course changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scramSecret } from '../pg/scram.js';
import { connect, quoteIdent, quoteLiteral } from '../pg/server.js';
import { conninfoValue, type LabPaths } from './layout.js';

/** The seeded login roles and their practice passwords. */
export const LAB_ROLES: Readonly<Record<string, string>> = { app: 'app-practice-pw', alice: 'alice-practice-pw', report: 'report-practice-pw' };

/** The lab's superuser: named unlike any OS user, so peer rules for the server's OS user never shadow its SCRAM rule. */
export const LAB_SUPERUSER = 'lab_admin';

/** A fresh random password for the lab's superuser. */
export function newSuperuserPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** The settings a lab starts with, appended to initdb's postgresql.conf (19.1.2: the last value in the file wins). */
export function labSettings(p: LabPaths, port: number): string {
  return [
    '',
    '# pg-secure-setup lab: insecure ON PURPOSE, for practice only.',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${p.socketDir.replace(/'/g, "''")}'`,
    'ssl = off',
    "password_encryption = 'md5'",
    '',
  ].join('\n');
}

/** The lab's pg_hba.conf (20.1): trust and md5 on purpose; the superuser's SCRAM rule first. */
export function labHba(superuser: string): string {
  return `# pg-secure-setup lab: insecure ON PURPOSE, for practice only.
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       ${superuser}                 scram-sha-256
local   all       all                      trust
host    all       report    127.0.0.1/32   trust
host    all       all       127.0.0.1/32   md5
host    all       all       ::1/128        md5
`;
}

/** An md5-stored password as PostgreSQL writes it: "md5" + md5(password || role) (20.5). */
export function md5Secret(role: string, password: string): string {
  return 'md5' + createHash('md5').update(password + role).digest('hex');
}

/** Write the settings and the rules into a freshly initdb'd data directory (before its first start). */
export async function writeLabConfig(p: LabPaths, port: number): Promise<void> {
  await appendFile(join(p.dataDir, 'postgresql.conf'), labSettings(p, port));
}

/** The rules, written once the roles exist; the caller reloads. */
export async function writeLabHba(p: LabPaths, superuser: string): Promise<void> {
  await writeFile(join(p.dataDir, 'pg_hba.conf'), labHba(superuser));
}

/** The password file the lab's connection string names (libpq 32.16), 0600 from the first byte. */
export async function writePassFile(p: LabPaths, port: number, superuser: string, password: string): Promise<void> {
  const esc = (s: string) => s.replace(/[\\:]/g, (c) => `\\${c}`);
  await writeFile(p.passFile, `${esc(p.socketDir)}:${port}:*:${esc(superuser)}:${esc(password)}\n`, { mode: 0o600 });
}

/** Roles, secrets and data, over the socket while initdb's trust rules still hold. */
export async function seedDatabase(p: LabPaths, port: number, superuser: string, password: string): Promise<void> {
  const s = await connect({ connect: `host=${conninfoValue(p.socketDir)} port=${port} user=${superuser} dbname=postgres`, env: {} });
  try {
    await s.query(`ALTER ROLE ${quoteIdent(superuser)} PASSWORD ${quoteLiteral(scramSecret(password))}`);
    for (const [role, pw] of Object.entries(LAB_ROLES)) {
      await s.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(md5Secret(role, pw))}`);
    }
    await s.query('CREATE TABLE public.customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL)');
    await s.query("INSERT INTO public.customers VALUES (1, 'Ada Lovelace', 'ada@example.com'), (2, 'Alan Turing', 'alan@example.com'), (3, 'Grace Hopper', 'grace@example.com')");
    await s.query('GRANT SELECT, INSERT, UPDATE, DELETE ON public.customers TO app');
    await s.query('GRANT SELECT ON public.customers TO alice, report');
  } finally {
    await s.end();
  }
}
