/**
 * One definition of every user-facing choice: its values, default, help text
 * and the manual section it comes from. The wizard, the plain prompts and the
 * flags all read these; nothing else defines a choice. Manual sections are
 * numbered as in the PostgreSQL 17 manual.
 */
import {
  ANSWER_KEYS,
  type Answers,
  KEY_BITS,
  PG_VERSIONS,
  TLS_VERSIONS,
} from './answers.js';
import { checkDays, checkHost, checkNetwork, checkOneOf, checkOut, checkPort, checkRole, MAX_CLIENT_USERS, MAX_HOSTS, MAX_NETWORKS, normalizeHost } from './validate.js';
import { versionTraits } from '../plan/versions.js';
import { checkServerItem, normalizeServerItem, parseServer, serversProblems } from './servers.js';
import type { ListQuestion, Question } from './question-types.js';
import { TRANSPORT_QUESTIONS, transportProblems } from './questions-transport.js';

export type { Choice, ChoiceQuestion, EnvFacts, ListQuestion, Question, TextQuestion } from './question-types.js';


export const DEFAULT_PG_VERSION = 15;

export const QUESTIONS: { readonly [K in keyof Answers]-?: Question<K> } = {
  pgVersion: {
    key: 'pgVersion',
    flag: 'pg-version',
    kind: 'choice',
    title: 'Server version',
    prompt: 'Which PostgreSQL major version runs on the server?',
    help: 'Settings and pg_hba.conf options differ between versions (clientcert=1 is an error from 14, ssl_groups replaces ssl_ecdh_curve in 18). Run `postgres --version` on the server if unsure.',
    manual: '18.9 Secure TCP/IP Connections with SSL',
    more: 'The postgresql.conf lines and pg_hba.conf options are written for this version: from 14 clientcert takes only verify-ca or verify-full, from 18 ssl_groups replaces ssl_ecdh_curve. On the server, `SHOW server_version;` in psql or `postgres --version` tells you. When the tool runs on the server, the version pg_config reports is offered.',
    choices: PG_VERSIONS.map((v) => ({ value: v, label: String(v), hint: versionTraits(v).endOfLife ? 'end of life upstream: still supported here' : '' })),
    defaultValue: (_p, env) =>
      (PG_VERSIONS as readonly number[]).includes(env.detectedPgVersion ?? 0)
        ? (env.detectedPgVersion as Answers['pgVersion'])
        : DEFAULT_PG_VERSION,
  },
  out: {
    key: 'out',
    flag: 'out',
    kind: 'text',
    title: 'Bundle directory',
    prompt: 'Where should the bundle be written?',
    help: 'A new directory that will hold certificates, keys, config snippets and apply.sh. It must not exist or be empty (use --force to replace it). Keys inside are private: keep the directory safe.',
    manual: '18.9.5 Creating Certificates',
    more: 'The bundle holds server/ (files for the data directory), clients/ROLE/ (what each client copies to ~/.postgresql/), ca/ (the CA keys: move them offline), conf/ (settings and pg_hba.conf) and apply.sh. It is built in a temporary directory and appears in one step, so an interrupted run leaves nothing behind. A relative path starts from the current directory.',
    defaultValue: () => './pg-secure-setup',
    check: checkOut,
  },
  servers: {
    key: 'servers',
    flag: 'server',
    kind: 'list',
    wholeItems: true,
    title: 'Servers',
    prompt: 'NAME=HOST[,HOST...] per server, primary first (empty: one server)',
    help: 'Leave empty for one server. For a primary and its standbys, give each one: it gets its own key and certificate in servers/NAME/ with its own names, all from the bundle\'s one CA; the first is the primary and its names are the bundle\'s hosts.',
    manual: '18.9.5 Creating Certificates; 27.2 Log-Shipping Standby Servers',
    more: 'One entry per server, e.g. db1=db1.example.com,10.0.0.5 then db2=db2.example.com,10.0.0.6. A host belongs to one server only, so verify-full tells them apart. Each server installs its own files with apply --server NAME (the primary\'s are also in server/). Several servers need a CA to sign their certificates, so self-signed is not offered then. Left empty, the bundle describes one server, named by its hosts.',
    // Not asked when a flag already rules it out: the hosts given, or a self-signed bundle (crossCheck says why).
    onlyValue: (_p, fixed) => (fixed.hosts !== undefined || fixed.pki === 'self-signed' ? [] : undefined),
    checkItem: checkServerItem,
    normalizeItem: normalizeServerItem,
    listProblems: serversProblems,
    emptyLabel: 'one server',
    minItems: () => 0,
    maxItems: { count: 20, why: 'each gets its own key and certificate' },
    defaultValue: () => [],
  },
  hosts: {
    key: 'hosts',
    flag: 'host',
    kind: 'list',
    title: 'Server identity',
    prompt: 'Names and addresses clients use to reach the server',
    help: 'Each goes into the server certificate\'s subjectAltName. With sslmode=verify-full a client refuses a server whose certificate does not name the host it dialled, so list every DNS name, wildcard and IP address clients will use.',
    manual: '32.19.1 Client Verification of Server Certificates',
    more: 'Clients compare the name they dialled with the certificate (RFC 6125), so use these exact names in connection strings. A wildcard such as *.db.example.com covers one label only. An IP address matches only an IP entry: list the addresses clients connect to by number. Several entries can be typed at once, separated by commas or spaces.',
    checkItem: checkHost,
    normalizeItem: normalizeHost,
    minItems: () => 1,
    maxItems: { count: MAX_HOSTS, why: 'each goes into the server certificate, which clients read at every connection' },
    // With several servers, the primary's names are the bundle's hosts.
    onlyValue: (p) => (p.servers?.length ? [...parseServer(p.servers[0]!).hosts] : undefined),
    defaultValue: (_p, env) => unique([env.fqdn, env.hostname, 'localhost', '127.0.0.1', '::1']),
  },
  port: {
    key: 'port',
    flag: 'port',
    kind: 'number',
    title: 'Server port',
    prompt: 'TCP port clients connect to',
    help: 'The port the server listens on (its `port` setting, 5432 unless changed). It goes into every connection string of the README; the bundle does not change it.',
    manual: '19.3.1 Connection Settings (port)',
    more: 'Run `SHOW port;` in psql on the server if unsure; with --connect the server reports it. Clients that dial another port (through a forwarded port or a pooler) can use that number instead: only the README\'s connection strings and examples use it.',
    defaultValue: () => 5432,
    check: checkPort,
  },
  pki: {
    key: 'pki',
    flag: 'pki',
    kind: 'choice',
    title: 'Certificates',
    prompt: 'How should certificates be made?',
    help: 'A self-signed certificate is quickest but cannot sign client certificates, and every client must trust that one certificate. A CA signs the server and client certificates; an intermediate lets the root CA key stay offline.',
    manual: '18.9.5 Creating Certificates',
    more: 'Self-signed: the server certificate signs itself; clients keep a copy as root.crt; no client certificates are possible. New CA: a root CA (ca/root.key) signs the server and each client; clients trust the root, and more certificates can be issued or revoked later. CA + intermediate: the root signs an intermediate that signs the rest, so the root key can stay offline; the server sends the intermediate after its own certificate (server.crt holds both).',
    choices: [
      { value: 'self-signed', label: 'Self-signed', hint: 'one server certificate, no client certificates' },
      { value: 'ca', label: 'New CA', hint: 'a root CA signs server and client certificates' },
      { value: 'ca-intermediate', label: 'New CA + intermediate', hint: 'root stays offline; an intermediate signs' },
    ],
    // Several servers share one CA: a self-signed certificate could name only one of them.
    narrow: (p) => (p.servers?.length ? { values: ['ca', 'ca-intermediate'], why: 'Self-signed is not offered: several servers need one CA to sign their certificates.' } : undefined),
    defaultValue: () => 'ca',
  },
  keyBits: {
    key: 'keyBits',
    flag: 'key-bits',
    kind: 'choice',
    title: 'Key size',
    prompt: 'RSA key size',
    help: '2048 bits is the common minimum; 3072 matches 128-bit security; 4096 is slower to make and slightly slower per connection.',
    manual: '18.9.5 Creating Certificates',
    more: 'Every key made (CAs, server, clients) has this size. RSA is used because every libpq and JDBC version accepts it. Bigger keys cost a little CPU per TLS handshake, which matters only with many short connections. Making a 2048-bit key takes well under a second; a 4096-bit key can take several seconds.',
    choices: KEY_BITS.map((b) => ({ value: b, label: `${b} bits`, hint: b === 2048 ? 'fast, widely used' : b === 3072 ? 'NIST 128-bit strength' : 'slowest' })),
    defaultValue: () => 2048,
  },
  days: {
    key: 'days',
    flag: 'days',
    kind: 'number',
    title: 'Validity',
    prompt: 'Days the server and client certificates stay valid',
    help: 'When a certificate expires, clients using verify-ca/verify-full refuse the server. Shorter is safer but means renewing sooner. CAs get ten times this, at most 20 years.',
    manual: '18.9.5 Creating Certificates',
    more: 'Server and client certificates last this many days; the root CA ten times as long (at most 20 years) and an intermediate five times (at most 10). 397 days is the longest browsers accept for public certificates and a common habit for private ones. Note the expiry date: an expired server certificate stops verify-ca and verify-full clients from connecting.',
    defaultValue: () => 397,
    check: checkDays,
  },
  minTls: {
    key: 'minTls',
    flag: 'min-tls',
    kind: 'choice',
    title: 'Minimum TLS version',
    prompt: 'Oldest TLS version the server accepts',
    help: 'TLSv1.2 works with every supported client; TLSv1.3 refuses older client libraries (OpenSSL < 1.1.1). Sets ssl_min_protocol_version.',
    manual: '19.3.3 SSL (ssl_min_protocol_version)',
    more: 'TLS 1.0 and 1.1 are broken and not offered. TLS 1.2 works with every maintained client library; TLS 1.3 connects faster and drops old cipher suites, but every client needs OpenSSL 1.1.1 or newer (Java 11 or newer for JDBC). With TLSv1.2 as the minimum, clients that can still use 1.3.',
    choices: TLS_VERSIONS.map((v) => ({ value: v, label: v, hint: v === 'TLSv1.2' ? 'compatible' : 'strictest' })),
    defaultValue: () => 'TLSv1.2',
  },
  refusePlaintext: {
    key: 'refusePlaintext',
    flag: 'refuse-plaintext',
    kind: 'choice',
    title: 'Refuse plaintext',
    prompt: 'Refuse every TCP connection that is not encrypted?',
    help: 'Adds `hostnossl all all all reject` before other rules, so a client that does not use TLS is turned away even if a later rule would let it in. Local socket connections are not affected.',
    manual: '20.1 The pg_hba.conf File (hostnossl)',
    more: 'pg_hba.conf is read top to bottom and the first matching line decides. A `hostnossl all all all reject` line near the top turns away every unencrypted TCP connection before a later line could accept it. Clients then connect with sslmode=require or stronger (verify-full is best). Answer No only while some clients cannot use TLS yet.',
    choices: [
      { value: true, label: 'Yes', hint: 'TLS everywhere' },
      { value: false, label: 'No', hint: 'leave plaintext to other rules' },
    ],
    defaultValue: () => true,
  },
  networks: {
    key: 'networks',
    flag: 'network',
    kind: 'list',
    title: 'Client networks',
    prompt: 'Client addresses the rules cover',
    help: 'CIDR ranges such as 10.0.0.0/8 or 2001:db8::/32, or samenet (any subnet the server is on), samehost (the server\'s own addresses) or all. Clients outside these get no hostssl rule.',
    manual: '20.1 The pg_hba.conf File (address)',
    more: 'Each entry becomes a `hostssl all all ENTRY ...` line and a matching replication line. samenet is any subnet the server has an address in; samehost the server itself; all any address (TLS and authentication still apply). Use CIDR ranges for the rest, e.g. 192.168.1.0/24 or fd00::/8. A client from an address no line covers is refused.',
    checkItem: checkNetwork,
    minItems: () => 1,
    maxItems: { count: MAX_NETWORKS, why: 'each becomes two pg_hba.conf lines, which the server reads for every connection' },
    defaultValue: () => ['samenet'],
  },
  clientCerts: {
    key: 'clientCerts',
    flag: 'client-certs',
    kind: 'choice',
    title: 'Client certificates',
    prompt: 'What should the server ask of client certificates?',
    help: 'verify-ca: a certificate signed by your CA plus a password. verify-full: also its CN must be the role name. cert: the certificate alone logs in (CN = role), no password. Self-signed mode has no CA, so only none.',
    manual: '20.12 Certificate Authentication; 18.9.3 Using Client Certificates',
    more: 'verify-ca: the client shows a certificate from your CA, then its password. verify-full: the certificate\'s CN must also equal the role, so a stolen certificate works only for its own role. cert: no password, the certificate is the credential, so guard client keys like passwords. None: password logins over TLS. Clients name their files with sslcert and sslkey, or keep them in ~/.postgresql/.',
    onlyValue: (p) => (p.pki === 'self-signed' ? 'none' : undefined),
    choices: [
      { value: 'none', label: 'None', hint: 'password (SCRAM) only' },
      { value: 'verify-ca', label: 'verify-ca', hint: 'certificate from your CA + password' },
      { value: 'verify-full', label: 'verify-full', hint: 'certificate whose CN is the role + password' },
      { value: 'cert', label: 'cert', hint: 'certificate whose CN is the role, no password' },
    ],
    defaultValue: (p) => (p.pki === 'self-signed' ? 'none' : 'verify-full'),
  },
  clientUsers: {
    key: 'clientUsers',
    flag: 'client-user',
    kind: 'list',
    title: 'Client roles',
    prompt: 'Roles that get a client certificate',
    help: 'Each role gets clients/ROLE/ with postgresql.crt, postgresql.key and root.crt, ready for ~/.postgresql/. The certificate\'s CN is the role name, which verify-full and cert compare with the user logging in.',
    manual: '32.19.2 Client Certificates',
    more: 'List every role that will log in over TCP while certificates are required, application roles included: a role without a certificate cannot. The certificate\'s CN is the role name. More can be issued later from the same CA (pg-secure-setup issue BUNDLE --client-user ROLE). Role names: at most 63 bytes, no pg_ prefix.',
    onlyValue: (p) => (p.pki === 'self-signed' || p.clientCerts === 'none' ? [] : undefined),
    checkItem: checkRole,
    minItems: (p) => (p.clientCerts && p.clientCerts !== 'none' ? 1 : 0),
    maxItems: { count: MAX_CLIENT_USERS, why: 'each gets its own key and certificate; issue more later from the CA' },
    defaultValue: (p) => (p.pki === 'self-signed' || p.clientCerts === 'none' ? [] : ['postgres']),
  },
  replicationUser: {
    key: 'replicationUser',
    flag: 'replication-user',
    kind: 'text',
    title: 'Replication role',
    prompt: 'Role that standbys replicate as (empty: no standby)',
    help: 'Gets a client certificate in clients/ROLE/ and its own first rule: hostssl replication ROLE NETWORKS cert (scram-sha-256 clientcert=verify-full unless client certificates are "cert"), so a standby proves itself with its certificate. Usually replicator.',
    manual: '27.2.5.1 Authentication (High Availability); 20.12 Certificate Authentication',
    more: 'A standby connects to the primary as this role with sslmode=verify-full and the files of clients/ROLE/ in its primary_conninfo; the bundle README gives the pg_basebackup -R command that builds one. Create the role on the primary with REPLICATION LOGIN. With several servers in the bundle, its rules name each server\'s IP address instead of the client networks. Under transport both it replicates over TLS only (its GSS connections are refused), and transport gssapi leaves no TLS rule for it. Self-signed mode has no CA to sign its certificate.',
    // A gssapi-only bundle has no TLS rule the role's certificate could use.
    onlyValue: (p) => (p.pki === 'self-signed' || p.transport === 'gssapi' ? '' : undefined),
    defaultValue: () => '',
    check: (v) => (v === undefined || v === '' ? undefined : checkRole(v)),
  },
  ...TRANSPORT_QUESTIONS,
};

/**
 * Not a question: what happens to passwords. Shown by every interactive
 * front end before the review (20.5; the live md5 migration is separate).
 */
export const PASSWORDS_NOTE = {
  title: 'Passwords',
  help: 'New and changed passwords are stored as SCRAM-SHA-256 (password_encryption = scram-sha-256), and the TLS rules ask for scram-sha-256. A role whose password is still an md5 hash cannot log in over TCP until its password is set again.',
  more: "Find those roles as a superuser: SELECT rolname FROM pg_authid WHERE rolpassword LIKE 'md5%'; then set each password again, e.g. with \\password ROLE in psql (it sends the password already hashed). Do it before applying the bundle so nobody is locked out. Socket logins use peer authentication and are not affected. The bundle changes no password.",
  manual: '20.5 Password Authentication',
} as const;

/**
 * The same note when a server was asked (--connect): its roles and the
 * migration's steps are shown above it, so it explains the order (20.5).
 */
export const PASSWORDS_SERVER_NOTE = {
  title: 'Passwords',
  help: 'The md5 method accepts SCRAM secrets too, so roles move one at a time; the bundle\'s own rules ask for scram-sha-256 at once.',
  more: 'set-password computes the SCRAM-SHA-256 secret on this machine and sends only the secret: the password never reaches the server or its logs (\\password in psql does the same). Socket logins (peer) are not affected.',
  manual: '20.5 Password Authentication',
} as const;

/** Order in which questions are asked and defaults resolved (later defaults may depend on earlier answers). */
export const QUESTION_ORDER = ANSWER_KEYS;

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))];
}

/** Problems with one answer, given the others ([] when fine). */
export function checkAnswer<K extends keyof Answers>(key: K, value: unknown, partial: Partial<Answers>): string[] {
  const q = QUESTIONS[key] as Question;
  switch (q.kind) {
    case 'choice': {
      const msg = checkOneOf(value, q.choices.map((c) => c.value));
      return msg ? [msg] : [];
    }
    case 'list': {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return ['must be a list of strings'];
      // Checked first: a list over the bound is answered at once, not with one message per entry.
      if (value.length > q.maxItems.count) return [`${value.length} entries; at most ${q.maxItems.count} (${q.maxItems.why})`];
      const problems = value.map((v: string) => q.checkItem(v)).filter((m): m is string => !!m);
      const seen = new Map<string, string>();
      for (const v of value as string[]) {
        const form = q.normalizeItem && !q.checkItem(v) ? q.normalizeItem(v) : v;
        const first = seen.get(form);
        if (first !== undefined) {
          problems.push(first === v ? `"${v}" is listed twice` : `"${v}" is the same as "${first}", listed before`);
          break;
        }
        seen.set(form, v);
      }
      const min = q.minItems(partial);
      if (value.length < min) problems.push(`needs at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
      return problems;
    }
    case 'number': {
      if (typeof value !== 'number') return [`must be a number, not ${JSON.stringify(value)}`];
      const msg = (q.check as (v: unknown) => string | undefined)(value);
      return msg ? [msg] : [];
    }
    case 'text': {
      if (typeof value !== 'string') return [`must be a string, not ${JSON.stringify(value)}`];
      const msg = (q.check as (v: unknown) => string | undefined)(value);
      return msg ? [msg] : [];
    }
  }
}

/** Cross-field rules, each naming the field it blames. */
export function crossCheck(a: Answers): { field: keyof Answers; message: string }[] {
  const problems: { field: keyof Answers; message: string }[] = [];
  if (a.pki === 'self-signed' && a.clientCerts !== 'none') {
    problems.push({ field: 'clientCerts', message: `"${a.clientCerts}" needs a CA to sign client certificates: choose pki "ca" or "ca-intermediate", or client certificates "none"` });
  }
  for (const message of serversProblems(a.servers ?? [])) problems.push({ field: 'servers', message });
  if (a.servers?.length && a.pki === 'self-signed') {
    problems.push({ field: 'servers', message: 'several servers need one CA to sign their certificates: choose pki "ca" or "ca-intermediate"' });
  }
  if (a.servers?.length && a.hosts.join(',') !== parseServer(a.servers[0]!).hosts.join(',')) {
    problems.push({ field: 'hosts', message: 'with --server, the hosts are the first server\'s: give them there, not with --host' });
  }
  if (a.pki === 'self-signed' && a.replicationUser) {
    problems.push({ field: 'replicationUser', message: 'self-signed mode has no CA to sign the replication certificate: choose pki "ca" or "ca-intermediate"' });
  }
  if (a.transport === 'gssapi' && a.replicationUser) {
    problems.push({ field: 'replicationUser', message: 'transport "gssapi" writes no TLS rules, so the replication certificate could not be used: choose transport "both" (GSSAPI for clients, TLS with the certificate for standbys) or leave the replication role out' });
  }
  problems.push(...transportProblems(a));
  if (a.pki === 'self-signed' && a.clientUsers.length > 0) {
    problems.push({ field: 'clientUsers', message: 'self-signed mode has no CA to sign client certificates: choose pki "ca" or "ca-intermediate"' });
  }
  return problems;
}

/** Parse a flag's or a text field's string into a value for this question; throws a message on failure. */
export function parseAnswerText<K extends keyof Answers>(key: K, text: string): Answers[K] {
  const q = QUESTIONS[key] as Question;
  if (q.kind === 'number') {
    if (!/^\s*-?\d+\s*$/.test(text)) throw new Error(`"${text}" is not a whole number`);
    return Number(text) as Answers[K];
  }
  if (q.kind === 'choice') {
    const found = q.choices.find((c) => String(c.value) === text || (typeof c.value === 'boolean' && ['yes', 'no'].includes(text) && c.value === (text === 'yes')));
    if (!found) throw new Error(`"${text}" is not one of ${q.choices.map((c) => String(c.value)).join(', ')}`);
    return found.value as Answers[K];
  }
  // Commas separate items (no host, network or role contains one); spaces stay, so checks can name them.
  if (q.kind === 'list') return normalizeList(q, q.wholeItems ? [text.trim()] : text.split(',').map((s) => s.trim()).filter(Boolean)) as Answers[K];
  return text as Answers[K];
}

/** Items of a list in their one spelling; an item its check refuses is left as typed, so the message quotes it. */
export function normalizeList(q: ListQuestion<keyof Answers>, items: readonly string[]): string[] {
  const norm = q.normalizeItem;
  return norm ? items.map((v) => (q.checkItem(v) ? v : norm(v))) : [...items];
}
