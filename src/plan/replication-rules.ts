/**
 * Where the replication role may connect from. With several servers in the
 * bundle, only from their IP addresses: any of them may become the primary
 * after a switchover, so every server's rules admit every server. pg_hba
 * takes one address per record and matches host names by reverse DNS
 * (20.1), so a server known only by name leaves the client networks open
 * to the role, with a comment on how to narrow it.
 */
import { isIP } from 'node:net';
import type { Answers } from '../answers/answers.js';
import { parseServer } from '../answers/servers.js';
import { normalizeHost, unbracket } from '../answers/validate.js';
import type { HbaRule } from '../hba/index.js';

type Facts = Pick<Answers, 'clientCerts' | 'networks' | 'replicationUser' | 'servers'>;

/** One address a server of the bundle replicates from, as a pg_hba CIDR. */
export interface ServerAddress {
  readonly server: string;
  readonly cidr: string;
}

/** Where replication as the role is admitted from: the servers' addresses, plus the client networks while a server has no address. */
export interface ReplicationSources {
  readonly addresses: readonly ServerAddress[];
  /** Servers given by name only: their source address is unknown. */
  readonly unaddressed: readonly { readonly name: string; readonly hosts: readonly string[] }[];
}

/** The servers' addresses, or undefined for a bundle of one server (its standbys are not in the bundle). */
export function replicationSources(a: Pick<Answers, 'servers'>): ReplicationSources | undefined {
  const servers = (a.servers ?? []).map(parseServer);
  if (servers.length < 2) return undefined;
  const addresses: ServerAddress[] = [];
  const unaddressed: { name: string; hosts: string[] }[] = [];
  for (const s of servers) {
    const ips = s.hosts.map((h) => unbracket(h.trim())).filter((h) => isIP(h) !== 0);
    if (ips.length === 0) unaddressed.push({ name: s.name, hosts: [...s.hosts] });
    for (const ip of ips) {
      const cidr = `${normalizeHost(ip)}/${isIP(ip) === 4 ? 32 : 128}`;
      if (!addresses.some((x) => x.cidr === cidr)) addresses.push({ server: s.name, cidr });
    }
  }
  return { addresses, unaddressed };
}

/**
 * The role always proves itself with its certificate (CN = role): `cert`,
 * or under a password policy `scram-sha-256 clientcert=verify-full`
 * (27.2.5.1, 20.12).
 */
function replicationMethod(a: Pick<Answers, 'clientCerts'>): Pick<HbaRule, 'method' | 'options'> {
  return a.clientCerts === 'cert' ? { method: 'cert', options: [] } : { method: 'scram-sha-256', options: [['clientcert', 'verify-full']] };
}

/** The replication role's rules (none without a role), each with the comment written above it. */
export function replicationRoleRules(a: Facts): { rule: HbaRule; comment: string }[] {
  const role = a.replicationUser;
  if (!role) return [];
  const method = replicationMethod(a);
  const rule = (address: string): HbaRule => ({ type: 'hostssl', databases: ['replication'], users: [role], address, ...method });
  const sources = replicationSources(a);
  if (!sources) {
    return a.networks.map((net) => ({ rule: rule(net), comment: `Standbys from ${net} replicate as ${role} over TLS with its client certificate (CN=${role}).` }));
  }
  const rules = sources.addresses.map((x, i) => ({
    rule: rule(x.cidr),
    comment:
      i === 0
        ? `${x.server} (${x.cidr}) replicates as ${role} over TLS with its client certificate (CN=${role}); every server admits every server of the bundle, as any may become the primary.`
        : `${x.server} (${x.cidr}): the same.`,
  }));
  if (sources.unaddressed.length > 0) {
    const names = sources.unaddressed.map((s) => s.name);
    const first = sources.unaddressed[0]!;
    // A network equal to a server's own line would never be reached (first match wins).
    const nets = a.networks.filter((net) => !sources.addresses.some((x) => x.cidr === net));
    const why =
      `${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} no IP address in the bundle and pg_hba.conf matches no host name safely (20.1), so ${role} may also replicate from the client networks. ` +
      `To narrow this to the servers, add each one's address to its --server entry (e.g. --server ${first.name}=${first.hosts.join(',')},ADDRESS) and generate again.`;
    rules.push(...nets.map((net, i) => ({ rule: rule(net), comment: i === 0 ? why : `The same from ${net}.` })));
    return rules;
  }
  rules.push({
    rule: { type: 'hostssl', databases: ['replication'], users: [role], address: 'all', method: 'reject', options: [] },
    comment: `Replication as ${role} from any other address is refused, before the rules for all roles below could admit it.`,
  });
  return rules;
}

/** One sentence for the README: which addresses may replicate as the role ('' without a role). */
export function replicationAddressesText(a: Facts): string {
  const role = a.replicationUser;
  if (!role) return '';
  const sources = replicationSources(a);
  const nets = a.networks.map((n) => `\`${n}\``).join(', ');
  if (!sources) return `Replication as \`${role}\` is admitted from the client networks (${nets}): the bundle names no standby's address.`;
  const list = sources.addresses.map((x) => `\`${x.cidr}\` (${x.server})`).join(', ');
  if (sources.unaddressed.length === 0) return `Replication as \`${role}\` is admitted only from the bundle's servers, ${list}, on every server (any may become the primary); any other address is refused.`;
  const names = sources.unaddressed.map((s) => s.name).join(', ');
  return (
    `Replication as \`${role}\` is admitted from ${list ? `the servers' addresses, ${list}, and ` : ''}the client networks (${nets}), because ${names} ${sources.unaddressed.length === 1 ? 'is' : 'are'} known only by name; ` +
    `add each server's IP address to its \`--server\` entry and generate again to admit the servers alone.`
  );
}
