/**
 * `pg-secure-setup` (or `pg-secure-setup wizard`): ask every choice on a
 * terminal, then write the bundle. The Ink wizard when the terminal has raw
 * mode, plain prompts otherwise or with --plain. Flags answer questions
 * (those are skipped); --answers offers a file's answers as the defaults.
 * Without a terminal it asks nothing: with --answers it runs as `generate`,
 * else it stops with exit code 2 and says how to run without prompts.
 * With --connect or --from-server it asks the server first, as generate
 * does: its version is not asked, the names on its certificate are offered,
 * and the passwords step and the plan know its paths and md5 roles.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Answers } from '../answers/answers.js';
import { BUNDLE_OPTIONS } from '../args.js';
import { previousBundleProblem } from '../bundle/previous-bundle.js';
import { resolveAnswers } from '../answers/resolve-answers.js';
import { answerFlagHelp, answersFromFlags, completeAnswers, parseFlags } from '../answers/resolve.js';
import { checkHost, MAX_HOSTS, normalizeHost } from '../answers/validate.js';
import { QUESTIONS } from '../answers/questions.js';
import type { ServerPrefill } from '../audit/prefill.js';
import { UsageError } from '../errors.js';
import { quitNow } from '../interrupt.js';
import type { Plan, ServerContext } from '../plan/plan.js';
import type { FlowConfig } from '../wizard/resolve-flow.js';
import { ASKING_SERVER, paintSplash } from '../ui/splash.js';
import { buildSummary, type WizardSummary } from '../wizard/summary.js';
import { CANCELLED_TEXT, type FrontEnd } from '../wizard/front-end.js';
import type { Command } from './command.js';
import { stagedEnvFacts } from './env-facts.js';
import { checkKeytab, GSS_HELP, GSS_OPTIONS, gssFromAnswers, keytabProblem } from './gss-options.js';
import { KEY_PASSPHRASE_HELP, KEY_PASSPHRASE_OPTIONS, keyPassphraseFromFlags } from './key-passphrase-input.js';
import { mergeServerAnswers, prefillFromServer, SERVER_PREFILL_HELP, serverContext } from './server-prefill.js';

// node-forge (behind make-bundle) and Ink load on demand, so the first frame does not wait for both.
const bundleModule = () => import('./make-bundle.js');
const generateModule = () => import('./generate.js');

const EXTRA = {
  ...BUNDLE_OPTIONS,
  ...KEY_PASSPHRASE_OPTIONS,
  ...GSS_OPTIONS,
  plain: { type: 'boolean' },
} as const;

const NO_TTY = `no terminal to ask questions on (stdin is not a TTY).
To make a bundle without prompts, run for example:
  pg-secure-setup generate --out ./pg-secure-setup --host db.example.com
  pg-secure-setup generate --answers answers.json
or pass --answers FILE here. See 'pg-secure-setup generate --help'.`;

/** Can this stdin be put in raw mode (what Ink needs for keys)? */
function rawModeWorks(stdin: NodeJS.ReadStream): boolean {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return false;
  try {
    stdin.setRawMode(true);
    stdin.setRawMode(false);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which front end a terminal gets: none without a TTY on stdin, plain
 * prompts when asked for or when raw mode or a terminal stdout is missing,
 * else the Ink wizard.
 */
export function chooseFrontEnd(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream, plain: boolean): 'none' | 'plain' | 'ink' {
  if (!stdin.isTTY) return 'none';
  return plain || !stdout.isTTY || !rawModeWorks(stdin) ? 'plain' : 'ink';
}

/** The bundle directory must be new or empty (unless --force); checked as it is typed. */
export function outDirProblem(out: string, force: boolean): string | undefined {
  const path = resolve(out);
  let isDir: boolean;
  try {
    isDir = lstatSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? undefined : `${out} cannot be used (${code ?? (err as Error).message})`;
  }
  if (!isDir) return `${out} exists and is not a directory`;
  if (readdirSync(path).length === 0) return undefined;
  if (!force) return `${out} exists and is not empty: choose another directory (or start again with --force to replace it)`;
  const problem = previousBundleProblem(path);
  return problem ? `${out} ${problem}` : undefined;
}

/**
 * Ask the server named by --connect (or the PG* variables and the local
 * socket with --from-server). A failure ends the wizard before anything is
 * written, with the connection's own message and status, as in generate
 * (2 when the input must change, 1 when the server or network failed).
 */
async function askServer(connect: string | undefined): Promise<ServerPrefill> {
  const pre = await prefillFromServer(connect);
  // Names from the current certificate are only offered: one the checks refuse is dropped, not a reason to stop.
  const answers = { ...pre.answers };
  const hosts = answers.hosts && [...new Set(answers.hosts.filter((h) => !checkHost(h)).map(normalizeHost))].slice(0, MAX_HOSTS);
  if (hosts && hosts.length > 0) answers.hosts = hosts;
  else delete answers.hosts;
  return { ...pre, answers };
}

/** Facts, the server, flags and the answers file, checked together: clashing flags fail now, not at the review. */
async function flowConfig(fixed: Partial<Answers>, answersFile: string | undefined, force: boolean, server: { connect: string | undefined } | undefined): Promise<FlowConfig> {
  // The host's full name (hostname -f, perhaps a slow DNS lookup) is first needed on the second screen: it comes later.
  const facts = stagedEnvFacts({ detectVersion: fixed.pgVersion === undefined });
  const [prefill, env, pre] = await Promise.all([
    answersFile === undefined ? {} : generateModule().then((g) => g.readAnswersFile(answersFile)),
    facts.first,
    server ? askServer(server.connect) : undefined,
  ]);
  if (pre) mergeServerAnswers(pre, fixed); // a version the server contradicts is bad input
  // What the wizard would start from, checked as generate checks it.
  completeAnswers(resolveAnswers({ flags: fixed, server: pre, file: prefill }, env).values, env);
  if (fixed.out) {
    const problem = outDirProblem(fixed.out, force);
    if (problem) throw new UsageError(`--out ${problem}`);
  }
  if (fixed.krbKeytab) checkKeytab(fixed.krbKeytab);
  const extraCheck = (key: keyof Answers, value: unknown) =>
    key === 'out' ? outDirProblem(String(value), force) : key === 'krbKeytab' && value ? keytabProblem(String(value)) : undefined;
  return { env, envLater: facts.full, fixed, prefill, server: pre, extraCheck };
}

/**
 * An existing bundle (given as BUNDLE, or at the default --out): ask first
 * whether to manage it or set up a new server. Resolves to the exit code of
 * the command run, or undefined to go on with a new bundle.
 */
async function offerManage(positionals: readonly string[], out: string | undefined, frontEnd: 'none' | 'plain' | 'ink'): Promise<number | undefined> {
  if (positionals.length > 1) throw new UsageError(`wizard: give at most one bundle directory, got ${positionals.length}`);
  const given = positionals[0];
  const { isBundleDir, bundleRoles, manageArgv } = await import('../manage/menu.js');
  if (given !== undefined && !isBundleDir(given)) throw new UsageError(`${given}: not a bundle (no answers.json); to make a new bundle there, give --out ${given}`);
  const defaultOut = String(QUESTIONS.out.defaultValue({}, {}));
  const dir = given ?? (out === undefined && isBundleDir(defaultOut) ? defaultOut : undefined);
  if (dir === undefined) return undefined;
  if (frontEnd === 'none') {
    if (given === undefined) return undefined;
    throw new UsageError(`no terminal to ask on (stdin is not a TTY). Manage ${given} with: pg-secure-setup status|issue|revoke|renew ${given} (see each one's --help)`);
  }
  let picked: Awaited<ReturnType<typeof import('../plain/manage.js').askManage>>;
  try {
    picked = await (await import('../plain/manage.js')).askManage(dir, bundleRoles(dir));
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ExitPromptError')) throw err;
    process.stderr.write('\nCancelled: nothing was written.\n');
    process.exit(130);
  }
  if (picked.choice === 'new') return undefined;
  const [name, ...args] = manageArgv(picked.choice, dir, picked.role);
  const commands = {
    status: async () => (await import('./status.js')).status,
    issue: async () => (await import('./issue.js')).issue,
    revoke: async () => (await import('./revoke.js')).revoke,
    renew: async () => (await import('./renew.js')).renew,
  } as const;
  return (await commands[name as keyof typeof commands]()).run(args);
}

/** What to paste on a client once the files are in place. */
function connectionText(summary: WizardSummary): string {
  return summary.connections
    .map((c) => `Connect as ${c.role}, ${c.setup}:\n  psql "${c.conninfo.replace(/["$`\\]/g, '\\$&')}"`)
    .join('\n');
}

export const wizard: Command = {
  name: 'wizard',
  summary: 'ask every choice step by step, then write the bundle (the default command)',
  help: () => `Usage: pg-secure-setup [wizard] [BUNDLE] [--plain] [options]

Walks through every choice on the terminal (server version, names,
certificates, TLS policy, client certificates, passwords), shows everything
that will be written, then writes the bundle. Enter accepts each default;
Esc goes back; ? shows more help; Ctrl+C quits and writes nothing.
What the bundle protects and what it leaves to you (18.8): 'pg-secure-setup
help layers'.

Answer flags below skip their question. --answers FILE offers the file's
answers as the defaults (each is still asked). Without a terminal nothing is
asked: with --answers it writes the bundle as 'generate' does, else it exits 2.
Started with an existing BUNDLE (or finding one at the default --out), it
first asks whether to set up a new server or manage that bundle (status,
issue, revoke, renew).

Options:
  --plain               ask line by line instead of the full-screen wizard
                        (also used when the terminal has no raw mode)
  --answers FILE        answers as JSON (as written by --save-answers)
  --save-answers FILE   also write the answers used to FILE (no secrets)
  --force               replace a previous bundle in --out (only a bundle) or an answers file
${SERVER_PREFILL_HELP}
                          (the server's version is then not asked, the names on
                          its certificate are offered, and the passwords step
                          shows its roles still on md5)
${KEY_PASSPHRASE_HELP}
${GSS_HELP}
${answerFlagHelp()}

Exit codes: 0 written, 2 bad input, no terminal, or the server could not be
asked (nothing written), 130 cancelled (nothing written), 1 other failure.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, EXTRA, true);
    if (values.help) {
      process.stdout.write(wizard.help() + '\n');
      return 0;
    }
    const fixed = answersFromFlags(values);
    const frontEnd = chooseFrontEnd(process.stdin, process.stdout, !!values.plain);
    const managed = await offerManage(positionals, fixed.out, frontEnd);
    if (managed !== undefined) return managed;
    if (frontEnd === 'none') {
      if (typeof values.answers !== 'string') throw new UsageError(NO_TTY);
      return (await generateModule()).generate.run(argv.filter((a) => a !== '--plain'));
    }
    // Checked and asked before the first screen: the passphrase never passes through a front end or answers.json.
    const key = await keyPassphraseFromFlags(values);
    // The transport is an answer: its GSSAPI options (the keytab read) follow the answers the plan is made from.
    const extrasFor = (answers: Answers) => {
      const gss = gssFromAnswers(answers);
      return { ...(key ? { keyPassphraseCommand: key.command } : {}), ...(gss ? { gss } : {}) };
    };
    const force = !!values.force;
    const saveTo = values['save-answers'];
    if (typeof saveTo === 'string') await (await bundleModule()).checkSaveTarget(saveTo, force);
    const useInk = frontEnd === 'ink';
    // Only when asked to: without these flags start-up stays fast and never touches the network.
    const askingServer = typeof values.connect === 'string' || !!values['from-server'];
    // Ink takes several times Node's own start-up to import: show the first lines now, load it meanwhile.
    const splash = useInk
      ? paintSplash(process.stdout, process.stdin, {
          askingServer,
          // Asking a server can take a while: Ctrl+C must still end the wizard (no frame yet to say it on).
          onCtrlC: askingServer
            ? () => {
                process.stdin.setRawMode?.(false);
                process.stdout.write(`${CANCELLED_TEXT}\n`);
                void quitNow();
              }
            : undefined,
        })
      : undefined;
    if (!useInk && askingServer) process.stdout.write(`${ASKING_SERVER}\n`);
    const front: Promise<FrontEnd> = useInk ? import('../ui/run.js').then((m) => m.inkFrontEnd) : import('../plain/run.js').then((m) => m.plainFrontEnd());
    let config: FlowConfig;
    try {
      const server = askingServer ? { connect: typeof values.connect === 'string' ? values.connect : undefined } : undefined;
      config = await flowConfig(fixed, typeof values.answers === 'string' ? values.answers : undefined, force, server);
    } catch (err) {
      splash?.erase();
      process.stdin.setRawMode?.(false);
      throw err;
    }
    // The plain prompts take every fact at once; the Ink wizard draws its first screen without waiting for the FQDN.
    if (!useInk && config.envLater) config = { ...config, env: await config.envLater(), envLater: undefined };
    // The plan and the README name the server's own directories and its roles still on md5.
    const server: ServerContext | undefined = config.server ? serverContext(config.server) : undefined;
    const services = {
      makePlan: async (answers: Answers) => (await bundleModule()).planFor(answers, new Date(), server, extrasFor(answers)),
      write: async (answers: Answers, plan: Plan, onKey: (id: string) => void) => {
        const { makeBundle, saveAnswers } = await bundleModule();
        const result = await makeBundle(answers, { force, plan, extras: extrasFor(answers), ...(key ? { secrets: { keyPassphrase: key.passphrase } } : {}), onProgress: (_done, _total, id) => onKey(id) });
        if (typeof saveTo === 'string') await saveAnswers(saveTo, answers);
        return buildSummary(result);
      },
    };
    const outcome = await (await front).run(config, services, splash?.erase);
    // However the user stopped, the front end has said so: end as Ctrl+C ends (exit hooks, then status 130).
    if (outcome.kind === 'cancelled') return quitNow();
    process.stdout.write(`\n${connectionText(outcome.summary)}\n`);
    return 0;
  },
};
