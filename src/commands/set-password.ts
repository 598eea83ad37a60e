/**
 * `pg-secure-setup set-password ROLE`: store a SCRAM-SHA-256 secret for a
 * role without the password ever reaching the server. The secret is
 * computed here and sent as `ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...'`,
 * which the server stores as it is (SQL Commands, ALTER ROLE; 20.5
 * Password Authentication) - the same thing psql's \password does. The
 * server's log and statistics may show that secret, never the password.
 */
import { UsageError } from '../errors.js';
import { scramSecret, SCRAM_DEFAULT_ITERATIONS } from '../pg/scram.js';
import { connect, ConnectionError, QueryError, quoteIdent, resolveConnection, serverFacts, targetLabel, type Session } from '../pg/server.js';
import type { Command } from './command.js';
import { CONNECT_HELP, CONNECT_OPTION, parseCommandArgs } from '../args.js';
import { reportingConnectionErrors } from './conn-options.js';
import { promptHidden, readAll, stripOneNewline } from './conn-prompt.js';

const OPTIONS = {
  ...CONNECT_OPTION,
  'password-stdin': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The secret's exact shape; anything else must never be spliced into SQL. */
const SECRET_SHAPE = /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}$/;

async function newPassword(fromStdin: boolean, role: string): Promise<Buffer> {
  let password: Buffer;
  if (fromStdin) {
    password = stripOneNewline(await readAll(process.stdin));
  } else {
    if (!process.stdin.isTTY) throw new UsageError('no terminal to ask for the password on: pipe it in with --password-stdin');
    const first = await promptHidden(`New password for role "${role}": `);
    if (first === '') throw new UsageError('empty password: nothing changed');
    const again = await promptHidden('Enter it again: ');
    if (first !== again) throw new UsageError('the two passwords differ: nothing changed');
    password = Buffer.from(first, 'utf8');
  }
  if (password.length === 0) throw new UsageError('empty password: nothing changed');
  return password;
}

async function findRole(s: Session, role: string): Promise<{ canLogin: boolean }> {
  const [row] = await s.query<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
  if (!row) throw new UsageError(`role "${role}" does not exist on ${targetLabel(s.target)} (names are case-sensitive)`);
  return { canLogin: row.rolcanlogin };
}

export const setPassword: Command = {
  name: 'set-password',
  summary: 'set a role\'s password as a SCRAM secret computed here (the server never sees the password)',
  help: () => `Usage: pg-secure-setup set-password ROLE [--password-stdin] [--connect CONNINFO]

Computes ROLE's SCRAM-SHA-256 secret on this machine (random salt, the
server's scram_iterations or ${SCRAM_DEFAULT_ITERATIONS}) and sends only
  ALTER ROLE "ROLE" PASSWORD 'SCRAM-SHA-256$...'
so the password never reaches the server, its log or its statistics. This is
step 2 of moving from md5 to SCRAM: once no role is left on md5, pg_hba.conf
can say scram-sha-256. Poolers with their own user list (pgbouncer's
auth_file, auth_type) need the new secret too.

The password is asked twice on the terminal, without echo, or read from
standard input with --password-stdin (all of it, less one trailing newline):
  printf '%s' "$NEW_PASSWORD" | pg-secure-setup set-password alice --password-stdin

Options:
      --password-stdin    read the new password from standard input
${CONNECT_HELP}
  -h, --help              this text

Only a superuser, a role with CREATEROLE, or ROLE itself may set ROLE's password.
Exit codes: 0 set; 2 bad input (no role, empty password, no terminal, unknown
role, failed login, not allowed); 1 the server or network failed.`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      process.stdout.write(setPassword.help() + '\n');
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] === '') {
      throw new UsageError(positionals.length === 0 ? 'name the role: pg-secure-setup set-password ROLE' : `one role at a time (got ${positionals.length})`);
    }
    const role = positionals[0]!;
    const fromStdin = !!values['password-stdin'];
    if (!fromStdin && !process.stdin.isTTY) throw new UsageError('no terminal to ask for the password on: pipe it in with --password-stdin');
    return reportingConnectionErrors(async () => {
      const target = resolveConnection({ connect: values.connect });
      const askPassword = !fromStdin && process.stdin.isTTY ? () => promptHidden(`Password for ${targetLabel(target)}: `) : undefined;
      const session = await connect(target, { askPassword });
      try {
        const facts = await serverFacts(session);
        const { canLogin } = await findRole(session, role);
        const password = await newPassword(fromStdin, role);
        const iterations = facts.scramIterations ?? SCRAM_DEFAULT_ITERATIONS;
        const secret = scramSecret(password, { iterations });
        password.fill(0);
        if (!SECRET_SHAPE.test(secret)) throw new Error(`internal: unexpected secret shape`);
        try {
          await session.query(`ALTER ROLE ${quoteIdent(role)} PASSWORD '${secret}'`);
        } catch (err) {
          if (err instanceof QueryError && err.sqlState === '42501') {
            throw new ConnectionError('not-superuser', `${err.message}: connect as a superuser, a role with CREATEROLE, or as "${role}"`);
          }
          throw err;
        }
        if (facts.isSuperuser) {
          const [row] = await session.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = $1', [role]);
          if (row?.rolpassword !== secret) throw new Error(`the server did not store the secret that was sent for role "${role}"`);
        }
        const out = [`Password of role "${role}" set as a SCRAM-SHA-256 secret (${iterations} iterations) on ${targetLabel(session.target)}.`];
        if (!canLogin) out.push(`Note: "${role}" is NOLOGIN, so it cannot log in with it (ALTER ROLE ... LOGIN).`);
        if (facts.passwordEncryption !== 'scram-sha-256') {
          out.push(`Note: password_encryption is ${facts.passwordEncryption || 'unknown'}, so passwords set with plain ALTER ROLE or \\password still become md5: set password_encryption = 'scram-sha-256'.`);
        }
        process.stdout.write(out.join('\n') + '\n');
        return 0;
      } finally {
        await session.end();
      }
    });
  },
};
