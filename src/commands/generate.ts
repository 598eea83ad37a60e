/**
 * `pg-secure-setup generate`: answers (file, flags, defaults) -> bundle on
 * disk, with no prompts. The core every other front end stands on.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Answers } from '../answers/answers.js';
import { BUNDLE_OPTIONS } from '../args.js';
import { answerFlagHelp, answersFromFlags, answersFromJson, completeAnswers, parseFlags } from '../answers/resolve.js';
import { UsageError } from '../errors.js';
import { gatherEnvFacts } from './env-facts.js';
import { GSS_HELP, GSS_OPTIONS, gssFromAnswers } from './gss-options.js';
import { KEY_PASSPHRASE_HELP, KEY_PASSPHRASE_OPTIONS, keyPassphraseFromFlags } from './key-passphrase-input.js';
import type { Command } from './command.js';
import { checkSaveTarget, makeBundle, printSummary, saveAnswers } from './make-bundle.js';
import type { ServerContext } from '../plan/plan.js';
import { mergeServerAnswers, prefillFromServer, SERVER_PREFILL_HELP, serverContext } from './server-prefill.js';

const EXTRA = {
  ...BUNDLE_OPTIONS,
  ...KEY_PASSPHRASE_OPTIONS,
  ...GSS_OPTIONS,
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** Largest answers file read: the bounds on every list keep a real one far below it. */
export const MAX_ANSWERS_FILE = 1024 * 1024;

/** Read and check an answers file; any problem is a usage error naming the file. */
export async function readAnswersFile(path: string): Promise<Partial<Answers>> {
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_ANSWERS_FILE) throw new UsageError(`--answers ${path}: ${size} bytes; an answers file is at most ${MAX_ANSWERS_FILE} (a few hundred bytes is usual)`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--answers ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return answersFromJson(text, path);
}

/** Flags over file over defaults, checked: the Answers for a non-interactive run. */
export async function resolveFromArgv(values: Record<string, unknown>): Promise<Partial<Answers>> {
  const fromFile = typeof values.answers === 'string' ? await readAnswersFile(values.answers) : {};
  return { ...fromFile, ...answersFromFlags(values) };
}

export const generate: Command = {
  name: 'generate',
  summary: 'write a certificate and configuration bundle, no prompts',
  help: () => `Usage: pg-secure-setup generate [--answers FILE] [options]

Writes a bundle (certificates, keys, postgresql.conf settings, pg_hba.conf
rules, apply.sh and a README) without asking anything. A flag overrides the
answers file; an answer given by neither takes its default.

Options:
  --answers FILE        answers as JSON (as written by --save-answers)
  --save-answers FILE   also write the answers used to FILE (no secrets)
  --force               replace an --out directory holding a previous bundle (only that),
                        and an existing --save-answers file
  -q, --quiet           print only errors
${KEY_PASSPHRASE_HELP}
${GSS_HELP}
${SERVER_PREFILL_HELP}
${answerFlagHelp()}

Exit codes: 0 written, 2 bad input (nothing written), 1 other failure.`,
  async run(argv) {
    const { values } = parseFlags(argv, EXTRA);
    if (values.help) {
      process.stdout.write(generate.help() + '\n');
      return 0;
    }
    let given = await resolveFromArgv(values);
    let server: ServerContext | undefined;
    if (typeof values.connect === 'string' || values['from-server']) {
      const pre = await prefillFromServer(values.connect);
      given = mergeServerAnswers(pre, given);
      server = serverContext(pre);
    }
    const answers = completeAnswers(given, await gatherEnvFacts({ detectVersion: given.pgVersion === undefined }));
    const saveTo = values['save-answers'];
    if (typeof saveTo === 'string') await checkSaveTarget(saveTo, !!values.force);
    const gss = gssFromAnswers(answers);
    if (gss && (typeof values.connect === 'string' || values['from-server'])) {
      const built = await (await import('../pg/gss-build.js')).serverBuiltWithGssapi(typeof values.connect === 'string' ? values.connect : undefined);
      if (built === false) throw new UsageError(`--transport ${gss.transport}: the server was built without GSSAPI (its pg_config CONFIGURE has no --with-gssapi), so it cannot accept GSSAPI-encrypted connections (18.10); use --transport tls, or a server built with GSSAPI`);
      if (built === true && !values.quiet) process.stderr.write('The server was built with GSSAPI: GSSAPI-encrypted connections are possible (18.10).\n');
    }
    const key = await keyPassphraseFromFlags(values);
    const result = await makeBundle(answers, {
      force: !!values.force,
      extras: { ...(key ? { keyPassphraseCommand: key.command } : {}), ...(gss ? { gss } : {}) },
      ...(key ? { secrets: { keyPassphrase: key.passphrase } } : {}),
      ...(server ? { server } : {}),
      onProgress: values.quiet ? undefined : (done, total, id) => process.stderr.write(`  key ${done}/${total} ${id}\n`),
    });
    if (typeof saveTo === 'string') await saveAnswers(saveTo, answers);
    if (!values.quiet) printSummary(result, process.stdout);
    return 0;
  },
};
