/**
 * The runnable examples of the bundle README, one per client: psql (libpq),
 * Python (psycopg2 / psycopg 3, both libpq), Java (pgJDBC), node-postgres.
 * Each connects and prints what pg_stat_ssl says of its own connection
 * (the pg_stat_ssl view, 27.2), so the reader sees TLS and the certificate in use.
 */
import { conninfo, jdbc, type ClientTarget } from './connection.js';
import { commandLine } from './shell.js';

/** What each example asks the server about its own connection. */
export const PROOF_QUERY = 'SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

/** A string literal valid in Python, Java and JavaScript (every value here is ASCII). */
function literal(text: string): string {
  return JSON.stringify(text);
}

/** A single-quoted JavaScript string, as the rest of the example is written. */
function jsLiteral(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** psql with the conninfo; libpq reads ~/.postgresql and PGPASSWORD by itself. */
export function psqlCommand(t: ClientTarget): string {
  return commandLine(['psql', conninfo(t), '-c', PROOF_QUERY]);
}

/** A Python program for psycopg 3 or psycopg2: the same conninfo as psql. */
export function pythonProgram(t: ClientTarget): string {
  return [
    'try:',
    '    import psycopg  # psycopg 3',
    'except ImportError:',
    '    import psycopg2 as psycopg  # psycopg2',
    '',
    `conn = psycopg.connect(${literal(conninfo(t))})`,
    'cur = conn.cursor()',
    `cur.execute(${literal(PROOF_QUERY)})`,
    'print(cur.fetchone())',
    'conn.close()',
  ].join('\n');
}

/**
 * A one-file Java program for pgJDBC. Without sslrootcert, sslcert and
 * sslkey it reads ~/.postgresql/root.crt, postgresql.crt and postgresql.pk8
 * (the PKCS#8 DER key: it cannot read postgresql.key).
 */
export function javaProgram(t: ClientTarget, withPassword: boolean): string {
  const url = jdbc({ ...t, dir: undefined }).replace(/\?.*$/, '');
  return [
    'import java.sql.Connection;',
    'import java.sql.DriverManager;',
    'import java.sql.ResultSet;',
    'import java.util.Properties;',
    '',
    'public class Connect {',
    '    public static void main(String[] args) throws Exception {',
    '        Properties props = new Properties();',
    `        props.setProperty("user", ${literal(t.role)});`,
    ...(withPassword ? ['        props.setProperty("password", System.getenv().getOrDefault("PGPASSWORD", ""));'] : []),
    '        props.setProperty("sslmode", "verify-full");',
    t.withCert
      ? '        // sslrootcert, sslcert, sslkey: by default ~/.postgresql/root.crt, postgresql.crt, postgresql.pk8'
      : '        // sslrootcert: by default ~/.postgresql/root.crt',
    `        try (Connection db = DriverManager.getConnection(${literal(url)}, props);`,
    `             ResultSet rs = db.createStatement().executeQuery(${literal(PROOF_QUERY)})) {`,
    '            rs.next();',
    '            System.out.println("ssl=" + rs.getBoolean(1) + " client_dn=" + rs.getString(2));',
    '        }',
    '    }',
    '}',
  ].join('\n');
}

/**
 * An ES module for node-postgres. It reads no ~/.postgresql and its URI
 * form does not either, so every file is passed in `ssl`; a `ca` makes it
 * verify the chain and the host name, as verify-full does.
 */
export function nodeProgram(t: ClientTarget, withPassword: boolean): string {
  const read = (file: string) => `readFileSync(join(dir, ${jsLiteral(file)}), 'utf8')`;
  return [
    "import { readFileSync } from 'node:fs';",
    "import { homedir } from 'node:os';",
    "import { join } from 'node:path';",
    "import pg from 'pg';",
    '',
    "const dir = join(homedir(), '.postgresql');",
    'const client = new pg.Client({',
    `  host: ${jsLiteral(t.host)},`,
    `  port: ${t.port},`,
    `  user: ${jsLiteral(t.role)},`,
    `  database: ${jsLiteral(t.database)},`,
    ...(withPassword ? ['  password: process.env.PGPASSWORD,'] : []),
    '  ssl: {',
    `    ca: ${read('root.crt')},`,
    ...(t.withCert ? [`    cert: ${read('postgresql.crt')},`, `    key: ${read('postgresql.key')},`] : []),
    '  },',
    '});',
    'await client.connect();',
    `const { rows } = await client.query(${jsLiteral(PROOF_QUERY)});`,
    'console.log(rows[0]);',
    'await client.end();',
  ].join('\n');
}
