/**
 * Who owns and who may read or change the files that decide who gets in:
 * postgresql.conf and what it includes, pg_hba.conf, pg_ident.conf (on
 * Debian in /etc, outside the data directory), the data directory and the
 * socket directory (18.2 Creating a Database Cluster, 18.7 Preventing
 * Server Spoofing, 20.1 The pg_hba.conf File).
 */
import type { AuditFacts, Finding, PathFacts } from './types.js';

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;
const CONF_KINDS = new Set(['pg_hba.conf', 'pg_ident.conf', 'postgresql.conf', 'included conf']);
// Files that say who gets in and as whom: nobody but the server and root should read them.
const ACCESS_KINDS = new Set(['pg_hba.conf', 'pg_ident.conf']);

function owner(p: PathFacts, serverUid: number | undefined): Finding[] {
  if (serverUid === undefined || p.uid === serverUid || p.uid === 0) return [];
  return [
    {
      id: 'conf-file-owner',
      severity: 'high',
      title: 'A configuration file is owned by a user other than the server or root: that user decides who gets in',
      evidence: `${p.path} (${p.kind}) is owned by uid ${p.uid}; the server runs as uid ${serverUid}`,
      fix: "chown each file to the server's OS user (or root), e.g. chown postgres: FILE",
      location: { path: p.path },
    },
  ];
}

function mode(p: PathFacts): Finding[] {
  const out: Finding[] = [];
  if ((p.mode & 0o022) !== 0) {
    out.push({
      id: 'conf-file-mode',
      severity: 'high',
      title: 'A configuration file is writable by other users: they can rewrite who gets in',
      evidence: `${p.path} (${p.kind}) has mode ${octal(p.mode)}`,
      fix: 'chmod go-w each file (0600, or 0640 with a trusted group).',
      location: { path: p.path },
    });
  } else if (ACCESS_KINDS.has(p.kind) && (p.mode & 0o004) !== 0) {
    out.push({
      id: 'conf-file-mode',
      severity: 'medium',
      title: 'pg_hba.conf or pg_ident.conf is readable by every user on the machine: it maps out who gets in from where',
      evidence: `${p.path} (${p.kind}) has mode ${octal(p.mode)}`,
      fix: 'chmod 0600 each file (or 0640 with a trusted group).',
      location: { path: p.path },
    });
  }
  if (p.kind === 'postgresql.conf' && (p.mode & 0o044) !== 0) {
    out.push({
      id: 'conf-file-readable',
      severity: 'low',
      title: 'postgresql.conf is readable by other users',
      evidence: `${p.path} (${p.kind}) has mode ${octal(p.mode)}`,
      fix: 'chmod 0600 each file.',
      location: { path: p.path },
    });
  }
  if (ACCESS_KINDS.has(p.kind) && (p.mode & 0o040) !== 0) {
    out.push({
      id: 'hba-file-group-readable',
      severity: 'low',
      title: 'pg_hba.conf or pg_ident.conf is readable by its group',
      evidence: `${p.path} (${p.kind}) has mode ${octal(p.mode)}`,
      fix: 'chmod 0600 each file.',
      location: { path: p.path },
    });
  }
  return out;
}

function directory(p: PathFacts): Finding[] {
  if (p.kind === 'data directory' && (p.mode & 0o027) !== 0) {
    return [
      {
        id: 'data-dir-mode',
        severity: 'high',
        title: 'The data directory is open to other users: the server refuses to start this way, and the files inside (keys, pg_hba.conf) are exposed',
        evidence: `${p.path} has mode ${octal(p.mode)}`,
        fix: 'chmod 0700 the directory (0750 if a group must read it: initdb --allow-group-access, 18.2).',
        location: { path: p.path },
      },
    ];
  }
  if (p.kind === 'data directory' && (p.mode & 0o070) !== 0) {
    return [
      {
        id: 'data-dir-group-access',
        severity: 'low',
        title: 'The data directory is readable by its group (initdb --allow-group-access)',
        evidence: `${p.path} has mode ${octal(p.mode)}`,
        fix: 'chmod 0700 the directory, unless a backup tool reads it through the group (18.2).',
        location: { path: p.path },
      },
    ];
  }
  // A directory others may write to without the sticky bit lets them replace the socket (18.7).
  if (p.kind === 'socket directory' && (p.mode & 0o002) !== 0 && (p.mode & 0o1000) === 0) {
    return [
      {
        id: 'socket-dir-mode',
        severity: 'medium',
        title: 'Any user may write to the socket directory: a local user can put a fake server there',
        evidence: `${p.path} has mode ${octal(p.mode)} (writable by others, no sticky bit)`,
        fix: 'chmod 0755 the directory (or 1777, as /tmp; see 18.7 Preventing Server Spoofing).',
        location: { path: p.path },
      },
    ];
  }
  return [];
}

/** Owner and mode findings for the paths this machine could see. */
export function fileFindings(facts: AuditFacts): Finding[] {
  const out: Finding[] = [];
  for (const p of facts.paths ?? []) {
    if (CONF_KINDS.has(p.kind)) out.push(...owner(p, facts.serverUid), ...mode(p));
    else out.push(...directory(p));
  }
  return out;
}
