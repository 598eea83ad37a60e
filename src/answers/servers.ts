/**
 * Several servers in one bundle: `NAME=HOST[,HOST...]`, the first one the
 * primary. Each gets its own key and certificate (servers/NAME/) from the
 * bundle's one CA, with its own names in subjectAltName.
 */
import { checkHost, normalizeHost } from './validate.js';

/** One server of the bundle. */
export interface ServerSpec {
  readonly name: string;
  readonly hosts: readonly string[];
}

// A server's name is a directory of the bundle and a flag's value: keep it plain.
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Split `NAME=HOST,HOST` without checking it. */
export function parseServer(item: string): ServerSpec {
  const at = item.indexOf('=');
  const name = at < 0 ? item.trim() : item.slice(0, at).trim();
  const hosts = at < 0 ? [] : item.slice(at + 1).split(',').map((h) => h.trim()).filter(Boolean);
  return { name, hosts };
}

/** Problems with one `NAME=HOST[,HOST...]` entry, or undefined. */
export function checkServerItem(item: string): string | undefined {
  const { name, hosts } = parseServer(item);
  if (!item.includes('=')) return `"${item}": give NAME=HOST[,HOST...], e.g. db2=db2.example.com,10.0.0.6`;
  if (!NAME.test(name)) return `"${name}": a server's name is lower-case letters, digits, _ and -, at most 63, starting with a letter or digit`;
  if (hosts.length === 0) return `"${name}" has no host: give NAME=HOST[,HOST...]`;
  for (const h of hosts) {
    const problem = checkHost(h);
    if (problem) return `${name}: ${problem}`;
  }
  return undefined;
}

/** The one spelling of an entry checkServerItem accepted. */
export function normalizeServerItem(item: string): string {
  const { name, hosts } = parseServer(item);
  return `${name}=${hosts.map(normalizeHost).join(',')}`;
}

/** Problems across the servers: a name given twice, a host two servers share (it could not tell them apart). */
export function serversProblems(items: readonly string[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const owner = new Map<string, string>();
  for (const s of items.map(parseServer)) {
    if (names.has(s.name)) problems.push(`two servers are named "${s.name}": each needs its own name`);
    names.add(s.name);
    for (const h of s.hosts) {
      const host = normalizeHost(h);
      const first = owner.get(host);
      if (first !== undefined && first !== s.name) problems.push(`${host} is a host of both ${first} and ${s.name}: a client dialling it could not tell which server answers; give each server its own names`);
      owner.set(host, s.name);
    }
  }
  return problems;
}
