/**
 * A bundle is checked before anything on the server changes. apply runs as
 * root and installs the bundle as it stands, so whoever could edit the
 * bundle could otherwise make root write anywhere, run a command at every
 * server start, or open pg_hba.conf to `trust`. Only what generate itself
 * could have made passes, plus the edits apply is told about by flag.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { AUTO_CONF_FILE, INCLUDE_DIRECTIVES, parseConf } from '../pg/conf.js';
import { formatRule, hbaRecords, parseHba } from '../hba/index.js';
import { checkServerCertificate } from '../pki/index.js';
import { bundleRuleShapes, ruleShape } from '../plan/hba-rules.js';
import { bundleSettingNames } from '../plan/settings.js';
import { gssSettings, isBundleGssRule } from '../plan/gss.js';

/** What the user told apply about edits they made on purpose. */
export interface BundleCheckOptions {
  /** --passphrase-command: the one ssl_passphrase_command the bundle may set. */
  readonly passphraseCommand?: string;
  /** --allow-edited-rules: install pg_hba.conf rules generate would not have made. */
  readonly allowEditedRules?: boolean;
  /** --server NAME: in a bundle of several servers, the one whose servers/NAME/ files are installed. */
  readonly server?: string;
}

/** One reason the bundle is refused, naming the file (and line) or setting. */
export interface BundleProblem {
  readonly where: string;
  readonly message: string;
}

/** Largest file a bundle holds (certificate chains and rules are a few kB). */
export const MAX_BUNDLE_FILE = 1024 * 1024;

/** Settings whose value is a file apply installs (18.9.1), by the bundle file they name. */
const FILE_SETTINGS = ['ssl_cert_file', 'ssl_key_file', 'ssl_ca_file', 'ssl_crl_file', 'krb_server_keyfile'] as const;

/**
 * Read one file of the bundle (`rel` like "server/server.key") without
 * following a symbolic link at any level below `dir`: undefined when it does
 * not exist, a problem when it is a link, a device, a FIFO or too big.
 */
export async function readBundleFile(dir: string, rel: string): Promise<{ bytes?: Buffer; problem?: BundleProblem }> {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    try {
      const st = await lstat(join(dir, sub));
      if (st.isSymbolicLink()) return { problem: { where: `${sub}/`, message: 'is a symbolic link: a bundle holds its files itself, so nothing outside it is installed' } };
      if (!st.isDirectory()) return { problem: { where: `${sub}/`, message: 'is not a directory' } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      return { problem: { where: `${sub}/`, message: `cannot be read (${(err as NodeJS.ErrnoException).code})` } };
    }
  }
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not hang; O_NOFOLLOW: a link fails with ELOOP instead of being read.
    handle = await open(join(dir, rel), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    if (code === 'ELOOP') return { problem: { where: rel, message: 'is a symbolic link: a bundle holds its files itself, so nothing outside it is installed' } };
    return { problem: { where: rel, message: `cannot be read (${code ?? (err as Error).message})` } };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { problem: { where: rel, message: 'is not a regular file (a device, FIFO or directory cannot be installed)' } };
    // A second name may be a file from outside the bundle (an old key, /etc/shadow) linked in.
    if (st.nlink > 1) return { problem: { where: rel, message: `has ${st.nlink} hard links: a bundle file has one; replace it with a copy (cp) if it is meant to be there` } };
    if (st.size > MAX_BUNDLE_FILE) return { problem: { where: rel, message: `is ${st.size} bytes; a bundle file is at most ${MAX_BUNDLE_FILE}` } };
    return { bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/**
 * A file setting's value must stay inside the data directory: relative, no
 * "..". Absolute ones are checked against the server later; an empty one
 * installs nothing (apply skips it).
 */
function checkFileValue(name: string, value: string): string | undefined {
  if (value.includes('\0') || /[\n\r]/.test(value)) return `${name} holds a control character`;
  if (value.split('/').includes('..')) return `${name} = '${value}' climbs out with "..": name a file in the data directory (e.g. '${posix.basename(value)}')`;
  return undefined;
}

/** Problems of conf/pg-secure-setup.conf: unknown settings, includes, paths, commands. */
export function checkBundleSettings(text: string, opts: BundleCheckOptions): BundleProblem[] {
  const file = 'conf/pg-secure-setup.conf';
  const allowed = new Set([...bundleSettingNames(), ...gssSettings().map((g) => g.name)]);
  const parsed = parseConf(text);
  const problems: BundleProblem[] = parsed.problems.map((p) => ({ where: `${file}:${p.line}`, message: p.message }));
  for (const e of parsed.entries) {
    const where = `${file}:${e.line}`;
    if ((INCLUDE_DIRECTIVES as readonly string[]).includes(e.name)) {
      problems.push({ where, message: `"${e.name}" would make the server read '${e.value}' too: a bundle lists its settings itself` });
    } else if (!allowed.has(e.name)) {
      problems.push({ where, message: `"${e.written}" is not a setting a bundle makes (it may set ${[...allowed].sort().join(', ')})` });
    } else if ((FILE_SETTINGS as readonly string[]).includes(e.name)) {
      const msg = checkFileValue(e.name, e.value);
      if (msg) problems.push({ where, message: msg });
    } else if (e.name === 'ssl_passphrase_command' && e.value !== '' && e.value !== opts.passphraseCommand) {
      problems.push({
        where,
        message:
          opts.passphraseCommand === undefined
            ? `ssl_passphrase_command = '${e.value}' runs a command at every server start (19.3.3); apply installs it only when you pass the same command with --passphrase-command`
            : `ssl_passphrase_command = '${e.value}' is not the command given with --passphrase-command ('${opts.passphraseCommand}')`,
      });
    }
  }
  return problems;
}

/** Problems of conf/pg_hba.conf: rules with a method or options generate never writes, unless allowed. */
export function checkBundleRules(text: string, opts: BundleCheckOptions): BundleProblem[] {
  if (opts.allowEditedRules) return [];
  const shapes = bundleRuleShapes();
  const problems: BundleProblem[] = [];
  for (const line of hbaRecords(parseHba(text))) {
    const { rule } = line;
    // Refusing is always safe, whatever the connection type.
    if (rule.method === 'reject' && rule.options.length === 0) continue;
    if (shapes.has(ruleShape(rule)) || isBundleGssRule(rule)) continue;
    const made = [...shapes].filter((s) => !s.endsWith(' reject')).join('; ');
    problems.push({
      where: `conf/pg_hba.conf:${line.lineNumber}`,
      message: `"${formatRule(rule).replace(/\s+/g, ' ')}": a bundle makes only reject rules and ${made}; pass --allow-edited-rules to install the rules as edited`,
    });
  }
  return problems;
}

/** Problems of server/server.crt, server.key and root.crt: match, dates, chain. */
export function checkBundleCertificate(server: { crt: Buffer | undefined; key: Buffer | undefined; ca: Buffer | undefined; keyEncrypted: boolean }, now: Date): BundleProblem[] {
  if (!server.crt) return [];
  const found = checkServerCertificate({
    certPem: server.crt.toString('latin1'),
    ...(server.key && !server.keyEncrypted ? { keyPem: server.key.toString('latin1') } : {}),
    ...(server.ca ? { caPem: server.ca.toString('latin1') } : {}),
    now,
  });
  return found.map((p) => ({ where: `server/${p.file}`, message: p.message }));
}

/** What checkInstallPaths needs to know of the server (absolute paths). */
export interface InstallLayout {
  readonly dataDir: string;
  readonly configFile: string;
  readonly hbaFile: string;
  /** Where the settings snippet goes. */
  readonly settingsFile: string;
}

/**
 * Where the bundle's file settings would make apply write, checked against
 * the server: inside the data directory or the config directory, and not
 * onto a file PostgreSQL keeps there (19.2 File Locations; 73.1 Database
 * File Layout: PG_VERSION, base/, global/, pg_* and the conf files).
 */
export function checkInstallPaths(settingsText: string, layout: InstallLayout): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const confDir = posix.dirname(layout.configFile);
  const taken = new Map<string, string>([
    [layout.configFile, 'postgresql.conf'],
    [layout.hbaFile, 'pg_hba.conf'],
    [layout.settingsFile, 'the settings file'],
    [posix.join(layout.dataDir, AUTO_CONF_FILE), AUTO_CONF_FILE],
  ]);
  const within = (dir: string, path: string) => {
    const rel = posix.relative(dir, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
  };
  for (const e of parseConf(settingsText).entries) {
    if (!(FILE_SETTINGS as readonly string[]).includes(e.name) || e.value === '') continue;
    const where = `conf/pg-secure-setup.conf:${e.line}`;
    const path = posix.resolve(layout.dataDir, e.value);
    const inData = within(layout.dataDir, path);
    const inConf = within(confDir, path);
    if (inData === undefined && inConf === undefined) {
      problems.push({ where, message: `${e.name} = '${e.value}' is outside the data directory (${layout.dataDir}) and the config directory (${confDir}): apply writes only there` });
      continue;
    }
    const top = (inData ?? inConf ?? '').split('/')[0]!;
    const reserved = /^(pg_|PG_VERSION$|base$|global$|postmaster\.|current_logfiles$|postgresql\.|environment$|start\.conf$)/.test(top);
    const other = taken.get(path);
    if (reserved || other) {
      const what = other ? `the same file as ${other}` : `a file PostgreSQL keeps there (${top})`;
      problems.push({ where, message: `${e.name} = '${e.value}' names ${what}: choose a file name of its own, such as server.crt` });
      continue;
    }
    taken.set(path, e.name);
  }
  return problems;
}
