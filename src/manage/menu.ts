/**
 * The wizard's first question when it meets an existing bundle: set up a
 * new server, or manage this bundle. Front-end neutral: the choices, and
 * the command line each one runs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What to do with a bundle the wizard found, in the order offered. */
export const MANAGE_CHOICES = [
  { value: 'new', label: 'Set up a new server (a new bundle in another directory)' },
  { value: 'status', label: 'Show its certificates, CRLs and what expires soon (status)' },
  { value: 'issue', label: 'Issue a client certificate for another role (issue)' },
  { value: 'revoke', label: 'Revoke a client certificate (revoke)' },
  { value: 'renew', label: 'Renew the server certificate, same names and key (renew)' },
] as const;
export type ManageChoice = (typeof MANAGE_CHOICES)[number]['value'];

/** Is `dir` a bundle generate wrote (it has answers.json)? */
export function isBundleDir(dir: string): boolean {
  return existsSync(join(dir, 'answers.json'));
}

/** Roles with a client certificate in the bundle, for revoke's choice. */
export function bundleRoles(dir: string): string[] {
  const clients = join(dir, 'clients');
  return existsSync(clients) ? readdirSync(clients).filter((r) => existsSync(join(clients, r, 'postgresql.crt'))).sort() : [];
}

/** The subcommand and arguments a choice runs (`role` for issue and revoke). */
export function manageArgv(choice: Exclude<ManageChoice, 'new'>, dir: string, role?: string): string[] {
  return role === undefined ? [choice, dir] : [choice, dir, '--client-user', role];
}
