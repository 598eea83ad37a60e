/**
 * The transport questions (18.10 Secure TCP/IP Connections with GSSAPI
 * Encryption; 20.6 GSSAPI Authentication): TLS, GSSAPI or both, and what
 * GSSAPI needs. Part of QUESTIONS; asked only when GSSAPI is chosen.
 */
import { type Answers, type Transport, TRANSPORTS } from './answers.js';
import { checkRealm, checkSrvname, parseGssMap } from './gss-checks.js';
import type { Question } from './question-types.js';

const GSS_MANUAL = '18.10 GSSAPI Encryption; 20.6 GSSAPI Authentication';

/** Whether the answers so far choose GSSAPI encryption. */
export function usesGss(p: Partial<Answers>): boolean {
  return p.transport === 'gssapi' || p.transport === 'both';
}

const HINTS: Readonly<Record<Transport, [string, string]>> = {
  tls: ['TLS', 'certificates for everyone (18.9)'],
  gssapi: ['GSSAPI', 'Kerberos tickets encrypt every connection; no TLS rule'],
  both: ['GSSAPI and TLS', 'GSSAPI for clients with a ticket, TLS for the rest'],
};

/** The transport question and the GSSAPI questions that follow it. */
export const TRANSPORT_QUESTIONS: { readonly [K in 'transport' | 'krbRealm' | 'krbKeytab' | 'krbSrvname' | 'gssMaps']-?: Question<K> } = {
  transport: {
    key: 'transport',
    flag: 'transport',
    kind: 'choice',
    title: 'Transport encryption',
    prompt: 'How should connections be encrypted?',
    help: 'TLS with the bundle\'s certificates (the default), GSSAPI encryption with the site\'s Kerberos, or GSSAPI for clients holding a ticket and TLS for the rest. GSSAPI needs a KDC, a keytab for the server and a server built with GSSAPI.',
    more: 'The Kerberos ticket both authenticates the client and encrypts the connection (hostgssenc rules, method gss): no certificate or password. libpq tries GSSAPI first when it holds a ticket, so with "both" those clients use it and the others TLS. Keytab and PRINCIPAL=ROLE maps can also come from --krb-keytab, --gss-map or the answers file.',
    manual: GSS_MANUAL,
    choices: TRANSPORTS.map((t) => ({ value: t, label: HINTS[t][0], hint: HINTS[t][1] })),
    defaultValue: () => 'tls',
  },
  krbRealm: {
    key: 'krbRealm',
    flag: 'krb-realm',
    kind: 'text',
    title: 'Kerberos realm',
    prompt: 'The site\'s Kerberos realm (e.g. EXAMPLE.COM)',
    help: 'Principals of this realm may log in: as the role of their name (include_realm=0 krb_realm=REALM), or through the PRINCIPAL=ROLE map when one is given. Required for GSSAPI.',
    more: 'The realm is usually the DNS domain in capitals; `klist` on a client shows it after the @ of the principal. Principals of other realms are refused.',
    manual: GSS_MANUAL,
    onlyValue: (p) => (usesGss(p) ? undefined : ''),
    defaultValue: () => '',
    check: (v) => (v === undefined || v === '' ? undefined : checkRealm(v)),
  },
  krbKeytab: {
    key: 'krbKeytab',
    flag: 'krb-keytab',
    kind: 'text',
    title: 'Server keytab',
    prompt: 'Path of the server\'s keytab for postgres/HOST@REALM',
    help: 'Made by the KDC\'s administrator (kadmin: ktadd -k FILE postgres/HOST). It is read when the bundle is written and copied into it with mode 0600 as krb_server_keyfile. Required for GSSAPI.',
    more: 'The keytab holds the server\'s long-term key: anyone who reads it can pose as the server. The bundle keeps it 0600 and apply installs it in the data directory, owned by the server\'s user. A relative path starts from the current directory.',
    manual: GSS_MANUAL,
    onlyValue: (p) => (usesGss(p) ? undefined : ''),
    defaultValue: () => '',
    check: () => undefined,
  },
  krbSrvname: {
    key: 'krbSrvname',
    flag: 'krb-srvname',
    kind: 'text',
    title: 'Kerberos service name',
    prompt: 'Service name of the server\'s principal',
    help: 'The first part of the server\'s principal, service/HOST@REALM: postgres unless the KDC\'s administrator chose another. Clients give the same as krbsrvname.',
    more: 'The server\'s krb_srvname setting and the clients\' krbsrvname (PGKRBSRVNAME) must agree with the principal in the keytab. Keep postgres unless the principal says otherwise.',
    manual: GSS_MANUAL,
    onlyValue: (p) => (usesGss(p) ? undefined : ''),
    defaultValue: () => 'postgres',
    check: (v) => (v === undefined || v === '' ? undefined : checkSrvname(v)),
  },
  gssMaps: {
    key: 'gssMaps',
    flag: 'gss-map',
    kind: 'list',
    title: 'Principals and roles',
    prompt: 'Who may log in as which role, PRINCIPAL=ROLE (none: as the role of their name)',
    help: 'Each entry becomes a pg_ident.conf line of the bundle\'s map, e.g. alice@EXAMPLE.COM=app. Without entries a principal of the realm logs in as the role named like it.',
    more: 'The map compares the whole principal, realm included, so only the site\'s realm is accepted. Several principals may map to one role, and one principal to several roles (one entry each).',
    manual: '20.2 User Name Maps; 20.6 GSSAPI Authentication',
    onlyValue: (p) => (usesGss(p) ? undefined : []),
    checkItem: (item) => {
      const eq = item.lastIndexOf('=');
      return eq < 1 || eq === item.length - 1 ? `"${item}" is not PRINCIPAL=ROLE (e.g. alice@EXAMPLE.COM=alice)` : undefined;
    },
    minItems: () => 0,
    maxItems: { count: 100, why: 'each becomes a pg_ident.conf line' },
    defaultValue: () => [],
  },
};

/** What GSSAPI needs and what only GSSAPI uses, each naming the answer it blames. */
export function transportProblems(a: Answers): { field: keyof Answers; message: string }[] {
  const problems: { field: keyof Answers; message: string }[] = [];
  if (!usesGss(a)) {
    for (const field of ['krbRealm', 'krbKeytab', 'krbSrvname', 'gssMaps'] as const) {
      if (a[field]?.length) problems.push({ field, message: `is for GSSAPI: choose transport "gssapi" or "both" (--transport gssapi)` });
    }
    return problems;
  }
  const t = a.transport;
  if (!a.krbRealm) problems.push({ field: 'krbRealm', message: `transport "${t}" needs the site's Kerberos realm (--krb-realm REALM)` });
  if (!a.krbKeytab) problems.push({ field: 'krbKeytab', message: `transport "${t}" needs the server's keytab for ${a.krbSrvname || 'postgres'}/HOST@${a.krbRealm || 'REALM'}, made by the KDC's administrator (--krb-keytab FILE)` });
  if (a.krbRealm && !checkRealm(a.krbRealm)) {
    for (const m of a.gssMaps ?? []) {
      try {
        parseGssMap(m, a.krbRealm);
      } catch (err) {
        problems.push({ field: 'gssMaps', message: (err as Error).message });
      }
    }
  }
  return problems;
}
