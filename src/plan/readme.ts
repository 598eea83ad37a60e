/**
 * The bundle's README.md: what was made, how to install it, how to check it,
 * and how each client connects. Pure text from the plan's parts.
 */
import type { Answers } from '../answers/answers.js';
import { formatRule } from '../hba/index.js';
import { modeText } from '../file-mode.js';
import type { PlannedRule } from './hba-rules.js';
import { asksPassword, clientHost, clientSections } from './readme-clients.js';
import { layersText, type LayerTransport } from './layers.js';
import { standbySection } from './readme-standby.js';
import { replicationAddressesText } from './replication-rules.js';
import { commandLine, shellQuote } from './shell.js';
import { fill, type Templates } from './template.js';

/** A file as the README's table lists it. */
export interface ReadmeFile {
  readonly path: string;
  readonly mode: number;
  readonly about: string;
}

/** Everything the README says, gathered by buildPlan. */
export interface ReadmeInput {
  readonly answers: Answers;
  readonly now: Date;
  readonly toolVersion: string;
  readonly files: readonly ReadmeFile[];
  readonly applyCommand: readonly string[];
  readonly manualCommands: readonly (readonly string[])[];
  readonly dirs: { readonly data: string; readonly conf: string };
  readonly hbaRules: readonly PlannedRule[];
  /** Roles the server reported still on md5; undefined when no server was asked. */
  readonly md5Roles?: readonly string[] | undefined;
  /** The paragraph on a passphrase-protected server key ('' without one). */
  readonly keyNote?: string;
  /** The section on GSSAPI-encrypted connections ('' without them). */
  readonly gssNote?: string;
  /** How the bundle encrypts in transit, for the 18.8 layers list. */
  readonly transport?: LayerTransport;
}


/** The README's word on roles still on md5, when the server told us. */
function md5Section(a: Answers, roles: readonly string[] | undefined): string {
  if (!roles) return '';
  const scram = asksPassword(a);
  if (roles.length === 0) {
    return scram ? '\nThe server reported no role with an md5 password: every role is ready for the rules above.\n' : '\nThe server reported no role with an md5 password.\n';
  }
  const count = `${roles.length} role${roles.length === 1 ? '' : 's'}`;
  return [
    '',
    scram
      ? `The server reported ${count} still on md5. Give each a SCRAM secret before installing the bundle:`
      : `The server reported ${count} still on md5. The cert rules ask for no password, but give each a SCRAM secret so no md5 hash is left:`,
    '',
    '```sh',
    ...roles.map((r) => commandLine(['npx', 'pg-secure-setup', 'set-password', r])),
    '```',
    '',
  ].join('\n');
}

function describePki(a: Answers): string {
  return {
    'self-signed': 'one self-signed server certificate',
    ca: 'a new root CA signing the server and client certificates',
    'ca-intermediate': 'a new root CA, and an intermediate CA that signs the server and client certificates',
  }[a.pki];
}

function describeClientCerts(a: Answers): string {
  return {
    none: 'not required (TLS + SCRAM password)',
    'verify-ca': 'required, signed by the CA (clientcert=verify-ca) + SCRAM password',
    'verify-full': 'required, CN must be the role (clientcert=verify-full) + SCRAM password',
    cert: 'required, CN must be the role, no password (cert method)',
  }[a.clientCerts];
}

/** The primary's name in the install commands of a bundle of several servers; the other servers are in the Servers section. */
function serverArgs(a: Answers): { serverArg: string; serverFilesNote: string } {
  const primary = a.servers?.[0]?.split('=')[0];
  if (!primary) return { serverArg: '', serverFilesNote: '' };
  return {
    serverArg: ` --server ${primary}`,
    serverFilesNote: `, the certificate and key of the server named by \`--server\` coming from \`servers/NAME/\` (the commands here install the primary, ${primary})`,
  };
}

/** The README's text. */
export function renderReadme(r: ReadmeInput, templates: Templates): string {
  const a = r.answers;
  const verifyRole = a.clientUsers[0];
  return fill(templates['README.md'], {
    pgVersion: a.pgVersion,
    toolVersion: r.toolVersion,
    date: r.now.toISOString().slice(0, 10),
    hostList: a.hosts.join(', '),
    pkiDescription: describePki(a),
    clientCertDescription: describeClientCerts(a),
    fileTable: r.files.map((f) => `| \`${f.path}\` | ${modeText(f.mode)} | ${f.about} |`).join('\n'),
    applyCommand: commandLine(r.applyCommand),
    ...serverArgs(a),
    // Both stand in shell commands of the README.
    dataDir: shellQuote(r.dirs.data),
    confDir: shellQuote(r.dirs.conf),
    firstHost: clientHost(a),
    port: a.port,
    trustCheck: a.pki === 'self-signed' ? 'is the one in `root.crt`' : 'chains to `root.crt`',
    proofNote: a.clientUsers.length > 0 ? "`ssl` true, and `client_dn` the subject of the role's certificate" : '`ssl` true (`client_dn` stays empty: no client certificate)',
    verifyRole: verifyRole ?? 'postgres',
    verifyCertArgs: verifyRole ? ` --cert clients/${verifyRole}/postgresql.crt --key clients/${verifyRole}/postgresql.key` : '',
    manualCommands: r.manualCommands.map(commandLine).join('\n'),
    rules: r.hbaRules.map((rule) => formatRule(rule.rule)).join('\n'),
    replicationNote: a.replicationUser ? `${replicationAddressesText(a)}\n\n` : '',
    passwordSection: templates[asksPassword(a) ? 'passwords-scram.md' : 'passwords-cert.md'],
    clientSections: clientSections(a, templates),
    md5Roles: md5Section(a, r.md5Roles),
    layers: layersText(r.transport),
    keyNote: r.keyNote ?? '',
    gssNote: r.gssNote ?? '',
    standbySection: standbySection(a, shellQuote(r.dirs.data)),
  });
}
