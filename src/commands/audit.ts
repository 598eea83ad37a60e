/**
 * `pg-secure-setup audit`: look at a server (live, or its files alone) and
 * say what stands between it and TLS everywhere, verified clients and SCRAM
 * only. Exit 0 clean (info findings allowed), 1 findings, 2 error.
 */
import { parseArgs } from 'node:util';
import { auditExitCode, auditFindings, FAIL_ON, PROFILES, type AuditFacts, type AuditOptions, type FailOn } from '../audit/index.js';
import { toJunit } from '../audit/format-junit.js';
import { toSarif } from '../audit/format-sarif.js';
import { buildReport, renderText, wantColor } from '../audit/report.js';
import { checkHost } from '../answers/validate.js';
import { UsageError } from '../errors.js';
import { ConnectionError } from '../pg/conn-errors.js';
import type { Command } from './command.js';

const OPTIONS = {
  connect: { type: 'string' },
  pgdata: { type: 'string' },
  'config-dir': { type: 'string' },
  host: { type: 'string', multiple: true },
  'client-certs': { type: 'string' },
  'expiry-days': { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  'fail-on': { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const CLIENT_CERT_EXPECTATIONS = ['verify-ca', 'verify-full', 'cert'] as const;
const FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
type Format = (typeof FORMATS)[number];

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag}: "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** Parsed and checked command line. */
interface AuditArgs {
  connect?: string;
  pgdata?: string;
  configDir?: string;
  hosts: string[];
  format: Format;
  failOn: FailOn;
  options: Omit<AuditOptions, 'now'>;
}

function parse(argv: string[]): AuditArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}\nRun 'pg-secure-setup audit --help' to see the options.`);
  }
  if (values.help) return 'help';
  const hosts = values.host ?? [];
  for (const h of hosts) {
    const problem = checkHost(h);
    if (problem) throw new UsageError(`--host: ${problem}`);
  }
  const options: AuditArgs['options'] = {};
  const cc = values['client-certs'];
  if (cc !== undefined) {
    if (!(CLIENT_CERT_EXPECTATIONS as readonly string[]).includes(cc)) throw new UsageError(`--client-certs: "${cc}" is not one of ${CLIENT_CERT_EXPECTATIONS.join(', ')}`);
    options.expectClientCerts = cc as AuditOptions['expectClientCerts'];
  }
  const days = values['expiry-days'];
  if (days !== undefined) {
    if (!/^\d+$/.test(days) || Number(days) > 3650) throw new UsageError(`--expiry-days: "${days}" is not a whole number of days from 0 to 3650`);
    options.expiryDays = Number(days);
  }
  for (const [flag, v] of [['--pgdata', values.pgdata], ['--config-dir', values['config-dir']], ['--connect', values.connect]] as const) {
    if (v !== undefined && v.trim() === '') throw new UsageError(`${flag} needs a value`);
  }
  const format = oneOf('format', values.format, FORMATS);
  if (values.json && format !== undefined && format !== 'json') throw new UsageError(`--json and --format ${format} ask for two formats: give one`);
  const profile = oneOf('profile', values.profile, PROFILES);
  if (profile) options.profile = profile;
  const failOn = oneOf('fail-on', values['fail-on'], FAIL_ON) ?? 'low';
  return { connect: values.connect, pgdata: values.pgdata, configDir: values['config-dir'], hosts, format: format ?? (values.json ? 'json' : 'text'), failOn, options };
}

async function gather(args: AuditArgs): Promise<AuditFacts> {
  // Files alone when only file locations are given; a connection otherwise (--connect, PG*, the local socket).
  if (args.connect === undefined && (args.pgdata !== undefined || args.configDir !== undefined)) {
    const { gatherFileFacts } = await import('../audit/gather-files.js');
    return gatherFileFacts({ pgdata: args.pgdata, configDir: args.configDir }, args.hosts);
  }
  const { gatherLiveFacts } = await import('../audit/gather-live.js');
  return gatherLiveFacts({ connect: args.connect, pgdata: args.pgdata, configDir: args.configDir }, args.hosts);
}

export const audit: Command = {
  name: 'audit',
  summary: 'check a server (live or its files): TLS, certificate, pg_hba.conf, passwords',
  help: () => `Usage: pg-secure-setup audit [--connect CONNINFO] [--pgdata DIR] [--config-dir DIR] [options]

Looks at a PostgreSQL server and reports what stands between it and TLS
everywhere, verified clients and SCRAM only: each finding with its severity,
the evidence and the exact fix.

With a connection (--connect, else the PG* environment variables, else the
local socket) it reads the settings in force, roles still on MD5 (superuser),
pg_hba.conf, sessions without TLS, and the server's certificate and key
(the files when they are on this machine, else what the server presents).
With --pgdata / --config-dir and no --connect it reads the files alone:
postgresql.conf (includes, conf.d, postgresql.auto.conf), pg_hba.conf, the
certificate and key.

Options:
  --connect CONNINFO     keyword/value conninfo or postgresql:// URI (libpq rules)
  --pgdata DIR           the data directory (files; with --connect: where its files are here)
  --config-dir DIR       where postgresql.conf and pg_hba.conf live, if not in DIR
                         (Debian: /etc/postgresql/VERSION/main)
  --host NAME            a host name or address clients use; must be in the
                         certificate's subjectAltName (repeatable). The host
                         --connect dials is checked too.
  --client-certs MODE    every hostssl rule should ask for client certificates:
                         verify-ca, verify-full or cert
  --expiry-days N        warn about a certificate expiring within N days (default 30)
  --profile NAME         which reference to answer to where they differ:
                         default, cis or dev-sec (see the README)
  --format FORMAT        text (default), json (templates/audit-report.schema.json),
                         sarif (SARIF 2.1.0) or junit (JUnit XML)
  --json                 the same as --format json
  --fail-on SEVERITY     exit 1 when a finding is at least this severe:
                         high, medium or low (default low)
  -h, --help             this help

Exit codes: 0 clean (nothing at or above --fail-on), 1 findings, 2 error (bad usage,
cannot connect, unreadable files). NO_COLOR is honoured.`,
  async run(argv) {
    try {
      const args = parse(argv);
      if (args === 'help') {
        process.stdout.write(audit.help() + '\n');
        return 0;
      }
      const facts = await gather(args);
      const findings = auditFindings(facts, { ...args.options, now: new Date() });
      const report = buildReport(facts, findings, args.options.profile);
      if (args.format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else if (args.format === 'sarif') process.stdout.write(JSON.stringify(toSarif(report, facts), null, 2) + '\n');
      else if (args.format === 'junit') process.stdout.write(toJunit(report, facts, args.failOn));
      else process.stdout.write(renderText(report, facts, { color: wantColor(process.env, process.stdout.isTTY) }));
      return auditExitCode(findings, args.failOn);
    } catch (err) {
      // 1 means "findings", so every failure to audit is 2.
      let message = err instanceof Error ? err.message : String(err);
      if (err instanceof ConnectionError && (err.kind === 'refused' || err.kind === 'unreachable') && !argv.some((a) => a === '--connect' || a.startsWith('--connect='))) {
        message += '\nWith no connection, audit the files alone: pg-secure-setup audit --pgdata DIR (or --config-dir DIR).';
      }
      process.stderr.write(`pg-secure-setup audit: ${message}\n`);
      return 2;
    }
  },
};
