/**
 * What the passwords step says, as plain data: the Ink view draws it, the
 * plain prompts print it. Without a server: what the bundle sets and the
 * general word on md5 hashes. With one (--connect): the roles it still
 * keeps on md5 and the migration's steps in the manual's order (20.5;
 * audit/migration.ts): password_encryption, a SCRAM secret for each role,
 * then the md5 rules rewritten by apply.
 */
import type { Answers } from '../answers/answers.js';
import { PASSWORDS_NOTE, PASSWORDS_SERVER_NOTE } from '../answers/questions.js';
import { POOLER_NOTE } from '../audit/migration.js';
import type { ServerPrefill } from '../audit/prefill.js';
import { commandLine } from '../plan/plan.js';

/** One step of the migration: done already, the one to do now, or one for after it. */
export interface MigrationLine {
  readonly state: 'done' | 'next' | 'later';
  readonly text: string;
  /** What to run for it, one line each. */
  readonly commands: readonly string[];
}

/** Where a server that was asked stands on the way from md5 to SCRAM. */
export interface ServerStanding {
  readonly steps: readonly MigrationLine[];
  /** Poolers keep their own copy of the secrets. */
  readonly pooler: string;
}

/** Everything the passwords step shows. */
export interface PasswordsText {
  readonly title: string;
  /** Label and value, one row each. */
  readonly rows: readonly (readonly [string, string])[];
  readonly server?: ServerStanding | undefined;
  readonly help: string;
  readonly more: string;
  readonly manual: string;
}

/** The marks before a migration step, for both front ends (they read without colour). */
export const STEP_MARK: Record<MigrationLine['state'], string> = { done: '✔', next: '❯', later: '·' };

/** At most this many set-password commands are listed (the README lists all), so the screen fits 80x24. */
const ROLE_COMMANDS = 2;

/** What a TCP login asks for, in a few words. */
export function loginSummary(a: Answers): string {
  switch (a.clientCerts) {
    case 'none':
      return 'a SCRAM password over TLS';
    case 'verify-ca':
      return 'a SCRAM password and a certificate from the CA';
    case 'verify-full':
      return 'a SCRAM password and a certificate whose CN is the role';
    case 'cert':
      return 'a certificate whose CN is the role; no password';
  }
}

function md5Value(roles: readonly string[] | undefined): string {
  if (roles === undefined) return 'unknown: only a superuser can read pg_authid';
  if (roles.length === 0) return 'none left';
  return roles.length > 4 ? `${roles.slice(0, 3).join(', ')} and ${roles.length - 3} more` : roles.join(', ');
}

function migrationLines(pre: ServerPrefill, out: string): MigrationLine[] {
  const encryptionDone = pre.migration !== 'password-encryption';
  const roles = pre.md5Roles;
  const after = encryptionDone ? 'next' : 'later';
  const encryption: MigrationLine = encryptionDone
    ? { state: 'done', text: 'password_encryption is scram-sha-256 on the server already', commands: [] }
    : { state: 'next', text: 'first, as a superuser, and reload (SELECT pg_reload_conf()):', commands: ["ALTER SYSTEM SET password_encryption = 'scram-sha-256'"] };
  let secrets: MigrationLine;
  if (roles === undefined) {
    secrets = { state: after, text: 'audit as a superuser to see which roles are on md5, then for each:', commands: [commandLine(['pg-secure-setup', 'set-password', 'ROLE'])] };
  } else if (roles.length === 0) {
    secrets = { state: 'done', text: 'no role stores an md5 password any more', commands: [] };
  } else {
    const listed = roles.length > ROLE_COMMANDS ? ROLE_COMMANDS - 1 : roles.length;
    const commands = roles.slice(0, listed).map((r) => commandLine(['pg-secure-setup', 'set-password', r]));
    if (listed < roles.length) commands.push(`… and ${roles.length - listed} more the same way (README.md lists each)`);
    secrets = { state: after, text: 'a SCRAM secret for each role on md5 (the password stays on this machine):', commands };
  }
  const data = pre.paths.dataDirectory;
  const rewrite: MigrationLine = {
    state: pre.migration === 'rewrite-hba' ? 'next' : 'later',
    text: pre.migration === 'rewrite-hba' ? 'install the bundle and rewrite the md5 rules to scram-sha-256:' : 'with no role left on md5, install the bundle and rewrite the md5 rules:',
    commands: [commandLine(['pg-secure-setup', 'apply', out, ...(data ? ['--pgdata', data] : []), '--md5-to-scram'])],
  };
  return [encryption, secrets, rewrite];
}

/** The passwords step for these answers, and for the server when one was asked. */
export function passwordsText(answers: Answers, server?: ServerPrefill): PasswordsText {
  const login: [string, string] = ['TCP logins need', loginSummary(answers)];
  if (!server) {
    return {
      ...PASSWORDS_NOTE,
      rows: [
        ['password_encryption', 'scram-sha-256 for every new or changed password'],
        login,
        ['md5 hashes', answers.clientCerts === 'cert' ? 'unused over TCP with the cert method' : 'stop working over TCP: set those passwords again'],
        ['Socket logins', 'peer: the OS user must match the role'],
      ],
    };
  }
  // password_encryption is the migration's first step below, with the server's own value.
  return {
    ...PASSWORDS_SERVER_NOTE,
    rows: [login, ['Roles on md5', md5Value(server.md5Roles)]],
    server: { steps: migrationLines(server, answers.out), pooler: POOLER_NOTE },
  };
}
