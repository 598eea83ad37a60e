/** `pg-secure-setup rotate-ca BUNDLE --phase trust|switch|finish`: a CA rollover in three applied steps. */
import { mkdir, rename, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseCommandArgs } from '../args.js';
import { writeBundle } from '../bundle/write.js';
import { UsageError } from '../errors.js';
import { commitBundle, readBundle, type LoadedBundle } from '../manage/bundle-io.js';
import { judgeStatus } from '../manage/status.js';
import { crlsWithSigners, findCerts, serverFacts, serverFactsOverTls } from '../manage/status-gather.js';
import { bundleArg, CA_HELP, MANAGE_OPTIONS } from '../manage/options.js';
import { planRotate, ROTATE_PHASES, type RotatePhase } from '../manage/rotate.js';
import type { Command } from './command.js';

const OPTIONS = { ...MANAGE_OPTIONS, phase: { type: 'string' }, pgdata: { type: 'string' }, 'config-dir': { type: 'string' }, connect: { type: 'string', short: 'c' } } as const;

/** With a server named, refuse to go on until it runs the bundle as it stands (the phase before is applied). */
async function checkApplied(bundle: LoadedBundle, values: { pgdata?: string | undefined; 'config-dir'?: string | undefined; connect?: string | undefined; ca?: string | undefined }): Promise<void> {
  if (!values.pgdata && !values['config-dir'] && values.connect === undefined) return;
  const server = values.connect !== undefined ? await serverFactsOverTls(values.connect) : await serverFacts({ pgdata: values.pgdata, configDir: values['config-dir'] });
  const certs = await findCerts(bundle, values.ca);
  const report = judgeStatus({ now: new Date(), warnDays: 0, certs, crls: crlsWithSigners(bundle, certs), server });
  if (!report.server?.runsBundleCert || report.server.runsBundleCrl === false) {
    throw new UsageError(`the server at ${server.where} does not run this bundle as it stands: apply it (and give clients their files) before the next phase`);
  }
}

const NEXT: Record<RotatePhase, string> = {
  trust: 'Apply it, give every client its new clients/ROLE/root.crt (both roots), then: rotate-ca BUNDLE --phase switch',
  switch: 'Apply it (the server now shows a certificate from the new CA), give every client its new clients/ROLE/ files, then: rotate-ca BUNDLE --phase finish',
  finish: 'Apply it: the old root is trusted no more, and certificates it signed are refused. The old CA is kept under its retired-* directory.',
};

/** `rotate-ca`: one phase of a CA rollover. */
export const rotateCa: Command = {
  name: 'rotate-ca',
  summary: 'roll the CA over to a new root in three applied phases (trust, switch, finish)',
  help: () => `Usage: pg-secure-setup rotate-ca BUNDLE --phase trust|switch|finish [--pgdata DIR | --connect CONNINFO]

A new root (and intermediate) without locking anyone out. Apply each phase
(pg-secure-setup apply BUNDLE) and hand clients their files before the next:
  trust    makes the new CA (kept in CA/next/); the server's and every
           client's root.crt carry the old and the new root
  switch   the server and client certificates re-issued from the new CA
  finish   the old root leaves root.crt and the CRLs; the old CA is moved to
           CA/retired-SERIAL/ and the new one takes its place
status shows the phase a bundle is in.

Options:
  --phase PHASE         trust, switch or finish, in that order
  --pgdata DIR, --config-dir DIR, -c, --connect CONNINFO
                        first check that the server runs the bundle as it
                        stands (the phase before is applied); refuse if not
${CA_HELP}

Exit codes: 0 done, 2 bad input or a phase out of order (nothing written).`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, true);
    if (values.help) {
      process.stdout.write(rotateCa.help() + '\n');
      return 0;
    }
    const dir = bundleArg(positionals, 'rotate-ca');
    const phase = values.phase;
    if (!(ROTATE_PHASES as readonly string[]).includes(phase ?? '')) throw new UsageError(`rotate-ca: --phase must be one of ${ROTATE_PHASES.join(', ')}${phase ? `, not "${phase}"` : ''}`);
    const bundle = await readBundle(dir);
    await checkApplied(bundle, values);
    const result = await planRotate(bundle, phase as RotatePhase, values.ca, new Date());
    if (result.caOutside) await writeBundle(result.caOutside.dir, result.caOutside.files, { force: false });
    for (const [from, to] of result.caRenames ?? []) {
      await mkdir(dirname(to), { recursive: true, mode: 0o700 });
      await rename(from, to);
    }
    // The emptied next/ of a CA kept outside the bundle.
    const nextDir = result.caRenames?.find(([from]) => /[\\/]next[\\/][^\\/]+$/.test(from))?.[0];
    if (nextDir) await rmdir(dirname(nextDir)).catch(() => undefined);
    const note = await commitBundle(bundle, result.files);
    if (note) process.stderr.write(note);
    process.stdout.write(`CA rollover, phase ${phase}: done in ${dir}.\n${NEXT[phase as RotatePhase]}\n`);
    return 0;
  },
};
