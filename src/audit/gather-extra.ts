/**
 * Facts both gatherers share: owner and mode of the configuration files
 * and directories, and ssl_ciphers as this machine's OpenSSL expands it.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { AuditFacts, CipherSuite, PathFacts, PathKind } from './types.js';

/** Stat each path; one that cannot be stat'ed is left out (the files' own checks say why). */
export async function statPaths(list: { path: string | undefined; kind: PathKind }[]): Promise<PathFacts[]> {
  const out: PathFacts[] = [];
  const seen = new Set<string>();
  for (const { path, kind } of list) {
    if (!path || seen.has(path)) continue;
    seen.add(path);
    try {
      const st = await stat(path);
      out.push({ path, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
    } catch {
      // Not here or not readable.
    }
  }
  return out;
}

/** Socket directories named by unix_socket_directories (relative ones start from the data directory). */
export function socketDirs(setting: string | undefined, dataDir: string | undefined): string[] {
  if (!setting) return [];
  return setting
    .split(',')
    .map((d) => d.trim().replace(/^'(.*)'$/, '$1'))
    .filter((d) => d !== '' && !d.startsWith('@'))
    .map((d) => (isAbsolute(d) || !dataDir ? d : resolve(dataDir, d)));
}

/** `openssl ciphers -v LIST`, TLS 1.2 and older suites only; undefined when openssl is not here or rejects the list. */
export function expandCiphers(list: string): Promise<CipherSuite[] | undefined> {
  return new Promise((done) => {
    execFile('openssl', ['ciphers', '-v', list], { timeout: 5000 }, (err, stdout) => {
      if (err) return done(undefined);
      const suites = stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 5 && f[1] !== 'TLSv1.3')
        .map((f) => ({ name: f[0]!, kx: (f.find((x) => x.startsWith('Kx=')) ?? 'Kx=?').slice(3), enc: (f.find((x) => x.startsWith('Enc=')) ?? 'Enc=?').slice(4) }));
      done(suites);
    });
  });
}

/** Fill paths and serverUid on facts gathered on this machine, and cipherSuites. */
export async function addLocalFacts(facts: AuditFacts, extra: { identFile?: string; confFiles: string[] }): Promise<void> {
  const dataDir = facts.dataDirectory;
  if (dataDir) facts.serverUid ??= await stat(dataDir).then((s) => s.uid, () => undefined);
  facts.paths = await statPaths([
    { path: facts.hbaFile, kind: 'pg_hba.conf' },
    { path: extra.identFile, kind: 'pg_ident.conf' },
    { path: facts.configFile, kind: 'postgresql.conf' },
    ...extra.confFiles.map((path) => ({ path, kind: 'included conf' as const })),
    { path: dataDir, kind: 'data directory' },
    ...socketDirs(facts.settings.unix_socket_directories, dataDir).map((path) => ({ path, kind: 'socket directory' as const })),
  ]);
  await addCipherFacts(facts);
}

/**
 * ssl_ciphers as this machine's OpenSSL expands it. For a server elsewhere
 * its own OpenSSL may differ a little; the keywords mean the same.
 */
export async function addCipherFacts(facts: AuditFacts): Promise<void> {
  const list = facts.settings.ssl_ciphers;
  if (list !== undefined) {
    const suites = await expandCiphers(list);
    if (suites) facts.cipherSuites = suites;
    else facts.unchecked.push({ what: 'settings', cause: 'unreadable', detail: `ssl_ciphers '${list}': this machine's openssl could not expand it` });
  }
}
