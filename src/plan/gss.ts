/**
 * GSSAPI-encrypted connections (18.10; 20.6 GSSAPI Authentication): the
 * transport choice, the pg_hba.conf rules in the order that keeps them
 * meaningful, the keytab setting and the pg_ident.conf map.
 */
import type { Answers } from '../answers/answers.js';
import type { HbaRule } from '../hba/index.js';
import type { PlannedRule } from './hba-rules.js';
import type { Setting } from './settings.js';

import { TRANSPORTS, type Transport } from '../answers/answers.js';

/** The transports and the GSSAPI answers' checks, defined with the other answers. */
export { TRANSPORTS, type Transport };
export { checkRealm, checkSrvname, parseGssMap, type GssMapEntry } from '../answers/gss-checks.js';
import type { GssMapEntry } from '../answers/gss-checks.js';
import { checkRealm } from '../answers/gss-checks.js';

/** What a GSSAPI bundle needs besides the Answers. */
export interface GssOptions {
  readonly transport: Exclude<Transport, 'tls'>;
  /** The site's realm, e.g. EXAMPLE.COM. */
  readonly realm: string;
  /** Where the server's keytab is read from when the bundle is written. */
  readonly keytab: string;
  /** Service name of the principal (service/host@REALM); libpq's krbsrvname. */
  readonly srvname: string;
  /** Principal -> role lines for pg_ident.conf; none: include_realm=0 krb_realm=REALM. */
  readonly maps: readonly GssMapEntry[];
}

/** The map name the bundle's rules and pg_ident.conf lines share. */
export const IDENT_MAP = 'pg-secure-setup';
/** The lines that enclose the bundle's map in the server's pg_ident.conf: apply and apply.sh replace what is between them. */
export const IDENT_BEGIN = `# BEGIN pg-secure-setup user name map (${IDENT_MAP})`;
export const IDENT_END = `# END pg-secure-setup user name map (${IDENT_MAP})`;
/** The keytab's name in the bundle and in the data directory (krb_server_keyfile is relative to it). */
export const KEYTAB_FILE = 'krb5.keytab';

/** The gss method's options: a map when principals are listed, else only the site's realm, stripped (20.6). */
function gssOptions(g: GssOptions): [string, string][] {
  if (g.maps.length > 0) return [['map', IDENT_MAP]];
  return [['include_realm', '0'], ['krb_realm', g.realm]];
}

function gssRules(a: Pick<Answers, 'networks'>, g: GssOptions): PlannedRule[] {
  const options = gssOptions(g);
  const who = g.maps.length > 0 ? `principals of ${g.realm} listed in pg_ident.conf` : `principals of ${g.realm} whose name is the role`;
  const rule = (databases: string[], net: string): HbaRule => ({ type: 'hostgssenc', databases, users: ['all'], address: net, method: 'gss', options });
  return [
    ...a.networks.map((net) => ({
      rule: rule(['all'], net),
      // hostnossl matches GSS-encrypted connections too: these must stand before the plaintext refusal (20.1).
      comment: `GSSAPI-encrypted clients from ${net} (18.10): ${who}. Before the plaintext refusal, which also matches GSS-encrypted connections${g.transport === 'both' ? '; before the TLS rules, as libpq tries GSS encryption first when it holds a ticket' : ''}.`,
    })),
    ...a.networks.map((net) => ({ rule: rule(['replication'], net), comment: `Replication from ${net} over GSSAPI encryption: the same requirements.` })),
  ];
}

/**
 * Under both, the replication role replicates over TLS with its
 * certificate only: a principal of that name would otherwise match the
 * hostgssenc replication lines, from any client network and past the
 * role's own address rules (20.1 first match).
 */
function replicationGssRefusal(a: Pick<Answers, 'replicationUser'>, g: GssOptions): PlannedRule[] {
  const role = a.replicationUser;
  if (g.transport !== 'both' || !role) return [];
  return [{
    rule: { type: 'hostgssenc', databases: ['replication'], users: [role], address: 'all', method: 'reject', options: [] },
    comment: `Replication as ${role} over GSSAPI encryption is refused from every address: ${role} replicates over TLS with its client certificate only, as the hostssl lines below admit it. Standbys connect with gssencmode=disable, so a Kerberos ticket does not send them here.`,
  }];
}

/**
 * The bundle's rules with GSSAPI: local administration, then (both, with a
 * replication role) the role's GSS refusal, then the hostgssenc accept
 * lines, then the plaintext refusal, then (both) the hostssl lines;
 * gssapi alone keeps no hostssl line.
 */
export function withGssRules(base: readonly PlannedRule[], a: Pick<Answers, 'networks' | 'replicationUser'>, g: GssOptions): PlannedRule[] {
  const local = base.filter((r) => r.rule.type === 'local');
  const refusals = base.filter((r) => r.rule.type === 'hostnossl');
  const tls = g.transport === 'both' ? base.filter((r) => r.rule.type === 'hostssl') : [];
  return [...local, ...replicationGssRefusal(a, g), ...gssRules(a, g), ...refusals, ...tls];
}

/** Whether a pg_hba.conf rule is one of the GSSAPI rules generate writes (any realm, or the bundle's map). */
export function isBundleGssRule(rule: Pick<HbaRule, 'type' | 'method' | 'options'>): boolean {
  if (rule.type !== 'hostgssenc' || rule.method !== 'gss') return false;
  const o = rule.options;
  if (o.length === 1) return o[0]![0] === 'map' && o[0]![1] === IDENT_MAP;
  return o.length === 2 && o.some(([k, v]) => k === 'include_realm' && v === '0') && o.some(([k, v]) => k === 'krb_realm' && checkRealm(v) === undefined);
}

/** krb_server_keyfile: the keytab in the data directory (20.6). */
export function gssSettings(): Setting[] {
  return [{ name: 'krb_server_keyfile', value: KEYTAB_FILE, comment: 'the server\'s keytab (20.6), relative to the data directory: 0600, owned by the server\'s user' }];
}

/** pg_ident.conf lines for the map (20.2 User Name Maps). */
export function identLines(g: GssOptions): string {
  const width = Math.max(...g.maps.map((m) => m.principal.length)) + 2;
  return g.maps.map((m) => `${IDENT_MAP}  ${m.principal.padEnd(width)}${m.role}`).join('\n');
}
