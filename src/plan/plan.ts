/**
 * Answers -> Plan: every file of the bundle (with its mode and where its
 * bytes come from), the settings, the pg_hba rules in order, the commands.
 * Pure: no I/O, no clock (`now` is passed in), deterministic.
 */
import type { Answers } from '../answers/answers.js';
import { answersToJson } from '../answers/resolve.js';
import { formatRule } from '../hba/index.js';
import type { CertRequest } from '../pki/index.js';
import { bundleServers, certRoles, clientId, INTERMEDIATE_ID, planCertificates, ROOT_ID, SERVER_ID } from './certs.js';
import { planHbaRules, type PlannedRule } from './hba-rules.js';
import { passphraseReadme, passphraseSettings } from './key-passphrase.js';
import { gssSettings, IDENT_MAP, identLines, KEYTAB_FILE, withGssRules, type GssOptions } from './gss.js';
import { gssReadme } from './readme-gss.js';
import { hasCa, planSettings, renderSettings, SERVER_FILES, type Setting } from './settings.js';
import { applyScriptValues } from './apply-script.js';
import { renderReadme } from './readme.js';
import { fill, type Templates } from './template.js';

export { commandLine } from './shell.js';

/** Where a file's bytes come from: text now, or key material made later by pki/. */
export type FileSource =
  | { readonly kind: 'text'; readonly text: string }
  /** PEM certificates of these ids, concatenated in order (leaf first). */
  | { readonly kind: 'certs'; readonly ids: readonly string[] }
  /** PKCS#1 PEM private key; `encrypted`: PKCS#8 encrypted with the passphrase given to materialize. */
  | { readonly kind: 'key'; readonly id: string; readonly encrypted?: true }
  /** PKCS#8 DER private key (JDBC). */
  | { readonly kind: 'pkcs8'; readonly id: string }
  /** A file of the user's copied as it is (the server's keytab), read when the bundle is written. */
  | { readonly kind: 'file'; readonly from: string }
  /** Empty signed CRLs of these CAs, concatenated. */
  | { readonly kind: 'crl'; readonly caIds: readonly string[] };

/** One file of the bundle. */
export interface PlanFile {
  /** Path inside the bundle, with forward slashes. */
  readonly path: string;
  readonly mode: number;
  readonly source: FileSource;
  /** One line on what it is, for the README and the review screen. */
  readonly about: string;
}

export interface Plan {
  readonly answers: Answers;
  readonly createdAt: Date;
  readonly settings: readonly Setting[];
  readonly hbaRules: readonly PlannedRule[];
  readonly certificates: readonly CertRequest[];
  readonly files: readonly PlanFile[];
  /** What to run next, as argv arrays. */
  readonly commands: readonly (readonly string[])[];
  readonly warnings: readonly string[];
  /** The server's data and configuration directories the commands and the README name. */
  readonly dirs: { readonly data: string; readonly conf: string };
}

/** What a reachable server told us (audit), when one was asked. */
export interface ServerContext {
  /** Roles whose stored password is still an md5 hash. */
  readonly md5Roles?: readonly string[];
  /** The server's data directory, as it reported it. */
  readonly dataDirectory?: string;
  /** The directory of its postgresql.conf. */
  readonly configDir?: string;
}

export interface PlanContext {
  readonly now: Date;
  readonly templates: Templates;
  readonly toolVersion: string;
  /** Facts from the server, when known: its paths and the roles still on md5. */
  readonly server?: ServerContext;
  /** ssl_passphrase_command for a passphrase-protected server key (the passphrase itself is never in a Plan). */
  readonly keyPassphraseCommand?: string;
  /** GSSAPI-encrypted connections (--transport gssapi|both), with the site's Kerberos facts. */
  readonly gss?: GssOptions;
}

const PRIVATE = 0o600;
const PUBLIC = 0o644;
const SCRIPT = 0o755;

/** The CAs in the chain, root first (none in self-signed mode). */
function caIds(a: Answers): string[] {
  if (!hasCa(a)) return [];
  return a.pki === 'ca-intermediate' ? [ROOT_ID, INTERMEDIATE_ID] : [ROOT_ID];
}

/** Certificates a peer sends after its leaf: the intermediate, if any (18.9.3). */
function chainAfterLeaf(a: Answers): string[] {
  return a.pki === 'ca-intermediate' ? [INTERMEDIATE_ID] : [];
}

function trustAnchor(a: Answers): string {
  return hasCa(a) ? ROOT_ID : SERVER_ID;
}

function keyMaterialFiles(a: Answers): PlanFile[] {
  const files: PlanFile[] = [
    { path: 'server/server.crt', mode: PUBLIC, source: { kind: 'certs', ids: [SERVER_ID, ...chainAfterLeaf(a)] }, about: 'server certificate, then any intermediate (ssl_cert_file)' },
    { path: 'server/server.key', mode: PRIVATE, source: { kind: 'key', id: SERVER_ID }, about: 'server private key (ssl_key_file)' },
    { path: 'server/root.crt', mode: PUBLIC, source: { kind: 'certs', ids: [trustAnchor(a)] }, about: hasCa(a) ? 'root CA: what clients trust and client certificates chain to (ssl_ca_file)' : 'the self-signed server certificate, which clients trust directly' },
  ];
  for (const s of bundleServers(a)) {
    files.push(
      { path: `servers/${s.name}/server.crt`, mode: PUBLIC, source: { kind: 'certs', ids: [s.id, ...chainAfterLeaf(a)] }, about: `${s.name}'s certificate (${s.hosts.join(', ')}), then any intermediate` },
      { path: `servers/${s.name}/server.key`, mode: PRIVATE, source: { kind: 'key', id: s.id }, about: `${s.name}'s private key (apply --server ${s.name})` },
    );
  }
  if (hasCa(a)) {
    files.push({ path: 'server/root.crl', mode: PUBLIC, source: { kind: 'crl', caIds: caIds(a) }, about: 'signed, empty revocation list of each CA (ssl_crl_file)' });
    for (const role of certRoles(a)) {
      const dir = `clients/${role}`;
      files.push(
        { path: `${dir}/postgresql.crt`, mode: PUBLIC, source: { kind: 'certs', ids: [clientId(role), ...chainAfterLeaf(a)] }, about: `client certificate for ${role} (CN=${role}), then any intermediate` },
        { path: `${dir}/postgresql.key`, mode: PRIVATE, source: { kind: 'key', id: clientId(role) }, about: `${role}'s private key` },
        { path: `${dir}/postgresql.pk8`, mode: PRIVATE, source: { kind: 'pkcs8', id: clientId(role) }, about: `${role}'s private key as PKCS#8 DER, for JDBC` },
        { path: `${dir}/root.crt`, mode: PUBLIC, source: { kind: 'certs', ids: [ROOT_ID] }, about: 'root CA the client trusts (sslrootcert)' },
      );
    }
    files.push(
      { path: 'ca/root.crt', mode: PUBLIC, source: { kind: 'certs', ids: [ROOT_ID] }, about: 'root CA certificate' },
      { path: 'ca/root.key', mode: PRIVATE, source: { kind: 'key', id: ROOT_ID }, about: 'root CA private key: keep offline' },
    );
    if (a.pki === 'ca-intermediate') {
      files.push(
        { path: 'ca/intermediate.crt', mode: PUBLIC, source: { kind: 'certs', ids: [INTERMEDIATE_ID] }, about: 'intermediate CA certificate' },
        { path: 'ca/intermediate.key', mode: PRIVATE, source: { kind: 'key', id: INTERMEDIATE_ID }, about: 'intermediate CA private key: keep offline' },
      );
    }
  }
  return files;
}

/** The commands a person runs to install the bundle by hand (argv arrays). */
function manualCommands(a: Answers, data: string, conf: string): string[][] {
  // A bundle of several servers: these commands install the primary, whose own files are in servers/NAME/.
  const own = a.servers?.length ? `servers/${a.servers[0]!.split('=')[0]}` : 'server';
  const serverFiles = [`${own}/server.crt`, `${own}/server.key`, 'server/root.crt', ...(hasCa(a) ? ['server/root.crl'] : [])];
  return [
    ['install', '-m', '0644', '-o', 'postgres', '-g', 'postgres', ...serverFiles.filter((f) => !f.endsWith('.key')), `${data}/`],
    ['install', '-m', '0600', '-o', 'postgres', '-g', 'postgres', `${own}/server.key`, `${data}/${SERVER_FILES.key}`],
    ['install', '-m', '0644', '-o', 'postgres', '-g', 'postgres', 'conf/pg-secure-setup.conf', `${conf}/conf.d/`],
    ['cp', '-p', `${conf}/pg_hba.conf`, `${conf}/pg_hba.conf.bak`],
    ['install', '-m', '0640', '-o', 'postgres', '-g', 'postgres', 'conf/pg_hba.conf', `${conf}/pg_hba.conf`],
    ['psql', '-c', 'SELECT pg_reload_conf()'],
  ];
}

/** The server's directories: as it reported them, else Debian's defaults for the version. */
function serverDirs(a: Answers, server: ServerContext | undefined): { data: string; conf: string } {
  const data = server?.dataDirectory ?? `/var/lib/postgresql/${a.pgVersion}/main`;
  const conf = server?.configDir ?? (server?.dataDirectory ? data : `/etc/postgresql/${a.pgVersion}/main`);
  return { data, conf };
}

function renderRules(rules: readonly PlannedRule[]): string {
  return rules.map((r) => `# ${r.comment}\n${formatRule(r.rule)}`).join('\n\n');
}

/** Build the plan. Throws only on programming errors: answers are validated before. */
export function buildPlan(a: Answers, ctx: PlanContext): Plan {
  const command = ctx.keyPassphraseCommand;
  const gss = ctx.gss;
  const settings = [...planSettings(a), ...(command !== undefined ? passphraseSettings(command) : []), ...(gss ? gssSettings() : [])];
  const hbaRules = gss ? withGssRules(planHbaRules(a), a, gss) : planHbaRules(a);
  const certificates = planCertificates(a, ctx.now);
  const common = { pgVersion: a.pgVersion, toolVersion: ctx.toolVersion };
  const dirs = serverDirs(a, ctx.server);
  const primary = a.servers?.[0]?.split('=')[0];
  const applyCommand = ['sudo', './apply.sh', ...(primary ? ['--server', primary] : []), dirs.data, dirs.conf];
  const manual = manualCommands(a, dirs.data, dirs.conf);

  const keyFiles = keyMaterialFiles(a).map((f): PlanFile =>
    command !== undefined && f.path === 'server/server.key' ? { ...f, source: { kind: 'key', id: SERVER_ID, encrypted: true }, about: 'server private key, encrypted with your passphrase (ssl_key_file)' } : f,
  );
  if (gss) keyFiles.splice(keyFiles.findIndex((f) => f.path === 'server/server.key') + 1, 0, { path: `server/${KEYTAB_FILE}`, mode: PRIVATE, source: { kind: 'file', from: gss.keytab }, about: `the server's Kerberos keytab (krb_server_keyfile), copied from ${gss.keytab}` });
  const text = (path: string, mode: number, textValue: string, about: string): PlanFile => ({ path, mode, source: { kind: 'text', text: textValue }, about });
  const identFile = gss !== undefined && gss.maps.length > 0;
  const configFiles: PlanFile[] = [
    text('conf/pg-secure-setup.conf', PUBLIC, fill(ctx.templates['pg-secure-setup.conf'], { ...common, settings: renderSettings(settings) }), 'postgresql.conf settings, to be included'),
    text('conf/pg_hba.conf', PUBLIC, fill(ctx.templates['pg_hba.conf'], { ...common, rules: renderRules(hbaRules) }), 'client authentication rules, in the order they must stand'),
    ...(identFile ? [text('conf/pg_ident.conf', PUBLIC, `# Kerberos principals and the roles they may log in as (20.2 User Name Maps), for map=${IDENT_MAP}.\n# MAPNAME        SYSTEM-USERNAME  PG-USERNAME\n${identLines(gss)}\n`, 'user name map: which principal may log in as which role (pg_ident.conf)')] : []),
    text('apply.sh', SCRIPT, fill(ctx.templates['apply.sh'], { ...common, ...applyScriptValues(a, keyFiles, identFile) }), 'installs the bundle on the server, printing each step'),
    text('answers.json', PUBLIC, answersToJson(a), 'the answers that made this bundle (pg-secure-setup generate --answers answers.json)'),
  ];
  if (hasCa(a)) {
    const caFiles = keyFiles.filter((f) => f.path.startsWith('ca/')).map((f) => `- \`${f.path.slice(3)}\`: ${f.about}`).join('\n');
    const leafExpiry = certificates.find((c) => c.id === SERVER_ID)!.notAfter.toISOString().slice(0, 10);
    configFiles.push(text('ca/README.md', PUBLIC, fill(ctx.templates['ca-README.md'], { caFiles, leafExpiry }), 'why the CA belongs offline'));
  }
  const readmeFile: PlanFile = { path: 'README.md', mode: PUBLIC, source: { kind: 'text', text: '' }, about: 'what was made, how to install it, how to connect' };
  const listed = [...keyFiles, ...configFiles, readmeFile];
  const readme = renderReadme(
    { answers: a, now: ctx.now, toolVersion: ctx.toolVersion, files: listed, applyCommand, manualCommands: manual, dirs, hbaRules, md5Roles: ctx.server?.md5Roles, keyNote: command !== undefined ? passphraseReadme(command) : '', gssNote: gssReadme(a, gss), transport: gss?.transport ?? 'tls' },
    ctx.templates,
  );

  const warnings: string[] = [];
  if (a.networks.includes('all')) warnings.push('networks include "all": every address may try to connect (TLS and authentication still apply).');
  if (a.clientCerts === 'cert') warnings.push('the cert method needs no password: whoever holds a client key logs in as its role.');
  if (command !== undefined) warnings.push(`server.key is encrypted; the server gets its passphrase from \`${command}\`, so the key is only as safe as that command's source.`);
  if (hasCa(a)) warnings.push('ca/ holds the CA private keys: move it offline once the bundle is installed.');
  const md5 = ctx.server?.md5Roles ?? [];
  if (md5.length > 0 && a.clientCerts === 'cert') {
    warnings.push(`roles still on md5 (the cert rules ask no password, but no md5 hash should be left): ${md5.join(', ')} (pg-secure-setup set-password ROLE).`);
  } else if (md5.length > 0) {
    warnings.push(`roles still on md5 cannot log in through the scram-sha-256 rules until their passwords are set again: ${md5.join(', ')} (pg-secure-setup set-password ROLE).`);
  }

  return {
    answers: a,
    createdAt: ctx.now,
    settings,
    hbaRules,
    certificates,
    files: [...keyFiles, ...configFiles, { ...readmeFile, source: { kind: 'text', text: readme } }],
    // A bundle of several servers: one line per server, each installing its own certificate.
    commands: a.servers?.length ? a.servers.map((entry) => ['sudo', './apply.sh', '--server', entry.split('=')[0]!, dirs.data, dirs.conf]) : [applyCommand],
    warnings,
    dirs,
  };
}
