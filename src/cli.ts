/**
 * The command line: pick the subcommand, run it, turn errors into exit codes
 * (2 for bad usage, with nothing written; 1 for other failures).
 */
import type { Command } from './commands/command.js';
import { UsageError } from './errors.js';
import { QUIT_SIGNALS, quitNow } from './interrupt.js';
import { exitCodeFor } from './pg/conn-errors.js';
import { TOOL_VERSION } from './package-info.js';

/** A subcommand, loaded only when it runs (start-up stays fast: node-forge, ink and pg load on demand). */
interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  { name: 'wizard', summary: 'ask every choice step by step, then write the bundle (the default)', load: async () => (await import('./commands/wizard.js')).wizard },
  { name: 'generate', summary: 'write a certificate and configuration bundle, no prompts', load: async () => (await import('./commands/generate.js')).generate },
  { name: 'audit', summary: 'check a server (live or its files): TLS, certificate, pg_hba.conf, passwords', load: async () => (await import('./commands/audit.js')).audit },
  { name: 'apply', summary: 'install a bundle on this server: back up, write, check, reload, roll back on failure', load: async () => (await import('./commands/apply.js')).apply },
  { name: 'rollback', summary: 'undo the last apply: restore the files it changed and reload', load: async () => (await import('./commands/rollback.js')).rollback },
  { name: 'set-password', summary: 'set a role\'s password as a SCRAM secret computed here (never sent in plaintext)', load: async () => (await import('./commands/set-password.js')).setPassword },
  { name: 'verify', summary: 'prove TLS works: verify-full connection, certificate chain, and the refusal matrix', load: async () => (await import('./commands/verify.js')).verify },
  { name: 'status', summary: 'show a bundle\'s certificates and CRLs, what expires soon, and whether the server runs them', load: async () => (await import('./commands/status.js')).status },
  { name: 'issue', summary: 'issue a client certificate for one more role from the bundle\'s CA', load: async () => (await import('./commands/issue.js')).issue },
  { name: 'revoke', summary: 'revoke a client certificate: onto its CA\'s CRL, its files moved aside', load: async () => (await import('./commands/revoke.js')).revoke },
  { name: 'renew', summary: 'renew the server certificate from the same CA, or re-sign the CRLs (--crl)', load: async () => (await import('./commands/renew.js')).renew },
  { name: 'rotate-ca', summary: 'roll the CA over to a new root in three applied phases (trust, switch, finish)', load: async () => (await import('./commands/rotate-ca.js')).rotateCa },
  { name: 'lab', summary: 'a disposable, deliberately insecure practice server and a progress check (workshops)', load: async () => (await import('./commands/lab.js')).lab },
  { name: 'export', summary: 'write a bundle as Kubernetes secrets: CloudNativePG\'s four with a Cluster snippet, or plain TLS secrets', load: async () => (await import('./commands/export.js')).exportCommand },
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `pg-secure-setup ${TOOL_VERSION}: TLS everywhere, verified clients and SCRAM only, for PostgreSQL.

Usage: pg-secure-setup [COMMAND] [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'pg-secure-setup COMMAND --help' for a command's options,
'pg-secure-setup help layers' for what TLS does and does not protect (18.8).
Options: --help, --version. NO_COLOR is honoured.`;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    process.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  if (first === 'help' && rest[0] === 'layers') {
    process.stdout.write((await import('./plan/layers.js')).layersText() + '\n');
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return 0;
  }
  const defaultCommand = COMMANDS.find((c) => c.name === 'wizard');
  let command: CommandEntry | undefined;
  let args: string[];
  if (first === undefined || first.startsWith('-')) {
    command = defaultCommand;
    args = argv;
  } else {
    command = COMMANDS.find((c) => c.name === first);
    args = rest;
    if (!command) throw new UsageError(`unknown command "${first}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  }
  if (!command) {
    process.stdout.write(mainHelp() + '\n');
    return 2;
  }
  return (await command.load()).run(args);
}

function report(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`pg-secure-setup: ${err.message}\n`);
    // A connection error carries its own status: 2 to fix the input, 1 for the server or network.
    return exitCodeFor(err);
  }
  process.stderr.write(`pg-secure-setup: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

// Ctrl+C outside raw mode, a closed terminal, SIGTERM: cleanup hooks run, then the process ends by that signal.
for (const s of QUIT_SIGNALS) process.on(s, () => void quitNow(s));

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = report(err);
  },
);
