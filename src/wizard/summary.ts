/**
 * What the last screen shows once the bundle is written: the certificate
 * chain as a tree, the files by directory, the next commands and a
 * connection string. Plain data, so the wizard and the plain prompts share it.
 */
import { relative } from 'node:path';
import type { Answers } from '../answers/answers.js';
import type { IssuedCert } from '../pki/index.js';
import { commandLine, type Plan } from '../plan/plan.js';
import { type ServerRow, serverRows } from './servers-text.js';

/** One certificate in the chain, with the ones it issued. */
export interface ChainNode {
  readonly id: string;
  readonly subject: string;
  readonly issuer: string;
  /** e.g. "root CA", "server", "client". */
  readonly role: string;
  readonly notAfter: Date;
  readonly children: readonly ChainNode[];
}

/** The files of one directory of the bundle. */
export interface FileGroup {
  /** "server/", "clients/alice/", "./" */
  readonly dir: string;
  readonly files: readonly { readonly name: string; readonly mode: number }[];
}

/** Everything the summary shows. */
export interface WizardSummary {
  /** The bundle directory as the user would type it from here. */
  readonly dir: string;
  readonly chain: readonly ChainNode[];
  readonly files: readonly FileGroup[];
  readonly commands: readonly string[];
  readonly connections: readonly { readonly role: string; readonly conninfo: string; readonly setup: string }[];
  readonly warnings: readonly string[];
  /** With several servers, each one and its apply command ([] for one server). */
  readonly servers: readonly ServerRow[];
}

const ROLE_LABEL: Record<string, string> = {
  'root-ca': 'root CA',
  'intermediate-ca': 'intermediate CA',
  server: 'server',
  client: 'client',
  'self-signed-server': 'server, self-signed',
};

function chainOf(plan: Plan, issued: ReadonlyMap<string, IssuedCert>): ChainNode[] {
  const build = (parent: string | undefined): ChainNode[] =>
    plan.certificates
      .filter((req) => req.issuer === parent)
      .map((req) => {
        const cert = issued.get(req.id);
        return {
          id: req.id,
          subject: cert?.subject ?? `CN=${req.commonName}`,
          issuer: cert?.issuer ?? '',
          role: ROLE_LABEL[req.kind] ?? req.kind,
          notAfter: cert?.notAfter ?? req.notAfter,
          children: build(req.id),
        };
      });
  return build(undefined);
}

function groupFiles(plan: Plan): FileGroup[] {
  const groups = new Map<string, { name: string; mode: number }[]>();
  for (const f of plan.files) {
    const slash = f.path.lastIndexOf('/');
    const dir = slash < 0 ? './' : f.path.slice(0, slash + 1);
    const list = groups.get(dir) ?? [];
    list.push({ name: f.path.slice(slash + 1), mode: f.mode });
    groups.set(dir, list);
  }
  return [...groups].map(([dir, files]) => ({ dir, files }));
}

/** The host a client dials in the example: the first name that is not a wildcard. */
function exampleHost(a: Answers): string {
  return a.hosts.find((h) => !h.startsWith('*.')) ?? a.hosts[0] ?? 'localhost';
}

/** A conninfo value, quoted when it holds a space, quote or backslash (34.1.1). */
function conninfoValue(v: string): string {
  return /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A conninfo that relies on libpq's default file names: with the client's
 * files in ~/.postgresql/ (root.crt, postgresql.crt, postgresql.key), libpq
 * finds them itself (32.19), so the string has no paths to get wrong.
 */
function connectionsOf(a: Answers, dir: string): WizardSummary['connections'] {
  const withCert = a.clientUsers.length > 0;
  const roles = withCert ? a.clientUsers.slice(0, 3) : ['postgres'];
  return roles.map((role) => ({
    role,
    conninfo: [['host', exampleHost(a)], ['port', String(a.port)], ['dbname', 'postgres'], ['user', role], ['sslmode', 'verify-full']].map(([k, v]) => `${k}=${conninfoValue(v!)}`).join(' '),
    setup: withCert ? `after copying ${dir}/clients/${role}/* to ~/.postgresql/ on the client` : `after copying ${dir}/server/root.crt to ~/.postgresql/root.crt on the client`,
  }));
}

export function buildSummary(result: { plan: Plan; dir: string; issued: ReadonlyMap<string, IssuedCert> }, cwd = process.cwd()): WizardSummary {
  const dir = relative(cwd, result.dir) || '.';
  const servers = serverRows(result.plan);
  return {
    dir,
    chain: chainOf(result.plan, result.issued),
    files: groupFiles(result.plan),
    // One command a line, each short enough not to wrap at 80 columns: a wrapped line pastes as two.
    // Several servers: each gets its own apply --server line, installing its own certificate.
    commands: [commandLine(['cd', dir]), ...(servers.length ? servers.map((s) => s.apply) : result.plan.commands.map((c) => commandLine(c)))],
    connections: connectionsOf(result.plan.answers, dir),
    warnings: result.plan.warnings,
    servers,
  };
}

/**
 * The chain as text lines, "├─" style; each certificate is issued by the one
 * above it. A node too long for `width` puts its role and expiry on a second line.
 */
export function chainLines(chain: readonly ChainNode[], width = 80): string[] {
  const lines: string[] = [];
  const walk = (nodes: readonly ChainNode[], prefix: string, top: boolean) => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      const branch = top ? '' : last ? '└─ ' : '├─ ';
      const below = top ? prefix : prefix + (last ? '   ' : '│  ');
      const about = `(${node.role}, expires ${node.notAfter.toISOString().slice(0, 10)})`;
      const one = `${prefix}${branch}${node.subject}  ${about}`;
      if (one.length <= width) lines.push(one);
      else lines.push(`${prefix}${branch}${node.subject}`, `${below}${node.children.length ? '│  ' : '   '}${about}`);
      walk(node.children, below, false);
    });
  };
  walk(chain, '', true);
  return lines;
}

/** "0600" */
export { modeText } from '../file-mode.js';

/**
 * One line per directory (more when it does not fit `width`); private files,
 * readable by their owner only, are marked with a *.
 */
export function fileLines(groups: readonly FileGroup[], width = 80): string[] {
  const dirWidth = Math.max(...groups.map((g) => g.dir.length)) + 1;
  const lines: string[] = [];
  for (const g of groups) {
    let line = g.dir.padEnd(dirWidth);
    for (const f of g.files) {
      const name = f.mode & 0o077 ? f.name : `${f.name}*`;
      if (line.trim().length > g.dir.length && line.length + 1 + name.length > width) {
        lines.push(line);
        line = ' '.repeat(dirWidth) + name;
      } else line += (line.length > dirWidth ? ' ' : '') + name;
    }
    lines.push(line);
  }
  return lines;
}
