/**
 * The README's "Connect" section: for each role, the copy block that puts
 * its files where libpq and pgJDBC look (~/.postgresql/, 32.19.1 and
 * 32.19.2), then a runnable example per client. Followed literally, every
 * block works: tests run them with psql, psycopg2, pgJDBC and node-postgres.
 */
import type { Answers } from '../answers/answers.js';
import { javaProgram, nodeProgram, psqlCommand, pythonProgram } from './client-programs.js';
import { conninfo, jdbc, uri, type ClientTarget } from './connection.js';
import { commandLine } from './shell.js';
import { fill, type Templates } from './template.js';

/** The host name clients are shown in examples: the first one that is not a wildcard. */
export function clientHost(a: Answers): string {
  return a.hosts.find((h) => !h.startsWith('*.')) ?? a.hosts[0]!;
}

/** Whether the bundle's TCP rules ask for a SCRAM password (all but the cert method). */
export function asksPassword(a: Answers): boolean {
  return a.clientCerts !== 'cert';
}

/** Shell lines that copy files into ~/.postgresql/: private from the first byte, asking before replacing. */
function copyCommands(sources: readonly string[], privateNames: readonly string[]): string {
  const lines = [
    'mkdir -p ~/.postgresql && chmod 700 ~/.postgresql',
    // ~ stays outside the quoting so the shell expands it.
    `(umask 077 && ${commandLine(['cp', '-i', ...sources])} ~/.postgresql/)`,
  ];
  if (privateNames.length) lines.push(`chmod 600 ${privateNames.map((n) => `~/.postgresql/${commandLine([n])}`).join(' ')}`);
  return lines.join('\n');
}

function passwordNote(a: Answers, whose: string): string {
  if (!asksPassword(a)) {
    return 'The `cert` rules ask no password: the certificate and its key are the login, so keep `postgresql.key` and `postgresql.pk8` as private as a password.';
  }
  return [
    `The rules also ask for ${whose} SCRAM password. Every example reads it from the`,
    '`PGPASSWORD` environment variable: set it in the shell you run them from',
    '(libpq also reads `~/.pgpass`).',
  ].join('\n');
}

function section(a: Answers, templates: Templates, role: string | undefined): string {
  const withCert = role !== undefined;
  const shownRole = role ?? 'postgres';
  const target: ClientTarget = { host: clientHost(a), role: shownRole, database: 'postgres', port: a.port, withCert };
  const inDir: ClientTarget = { ...target, dir: 'DIR' };
  const password = asksPassword(a);
  const files = withCert
    ? {
        title: role,
        filesIntro: [
          'On the client machine, from the directory that holds this bundle\'s',
          `\`clients/${role}/\`, put the files where libpq and pgJDBC look by default`,
          '(`cp -i` asks before replacing a file already there):',
        ].join('\n'),
        copyCommands: copyCommands(
          ['root.crt', 'postgresql.crt', 'postgresql.key', 'postgresql.pk8'].map((f) => `clients/${role}/${f}`),
          ['postgresql.key', 'postgresql.pk8'],
        ),
        libpqFiles: '`root.crt`, `postgresql.crt` and `postgresql.key`',
        jdbcFiles: 'pgJDBC reads the same `~/.postgresql/`, but takes the key only as PKCS#8 DER: `postgresql.pk8`, not `postgresql.key`.',
      }
    : {
        title: 'Any role',
        filesIntro: [
          'Clients need no certificate of their own, only `server/root.crt` to verify',
          'the server with. On the client machine, from the bundle\'s directory (`cp -i`',
          'asks before replacing a file already there):',
        ].join('\n'),
        copyCommands: copyCommands(['server/root.crt'], []),
        libpqFiles: '`root.crt`',
        jdbcFiles: 'pgJDBC reads `root.crt` from the same `~/.postgresql/`. The examples log in as `postgres`: put any role with a SCRAM password in its place.',
      };
  return fill(templates['client-section.md'], {
    ...files,
    passwordNote: passwordNote(a, role === undefined ? 'the role\'s' : `${role}'s`),
    psqlCommand: psqlCommand(target),
    uri: uri(target),
    conninfoDir: conninfo(inDir),
    python: pythonProgram(target),
    java: javaProgram(target, password),
    jdbcDir: jdbc(inDir),
    node: nodeProgram(target, password),
  });
}

/** One section per role with a client certificate, or one for every role when there are none. */
export function clientSections(a: Answers, templates: Templates): string {
  if (a.clientUsers.length === 0) return section(a, templates, undefined);
  return a.clientUsers.map((role) => section(a, templates, role)).join('\n\n');
}
