/**
 * How a restart stops the server (18.5 Shutting Down the Server): the modes
 * apply offers, the one it uses by default, and the one screen of text that
 * explains them whenever a restart is needed.
 */
import { UsageError } from '../errors.js';

/** The shutdown modes apply may use for `pg_ctl restart -m MODE`; never `immediate`. */
export const RESTART_MODES = ['smart', 'fast'] as const;
/** A shutdown mode apply may use. */
export type RestartMode = (typeof RESTART_MODES)[number];

/** fast: sessions end cleanly at once, no recovery needed (18.5, SIGINT). */
export const DEFAULT_RESTART_MODE: RestartMode = 'fast';

/** Seconds pg_ctl waits for the stop and start: smart waits on every client to leave. */
export const RESTART_TIMEOUT_S: Readonly<Record<RestartMode, number>> = { smart: 600, fast: 120 };

/** The explanation shown before a restart (18.5), with the chosen mode marked. */
export function shutdownModesText(mode: RestartMode): string {
  const mark = (m: string) => (m === mode ? '*' : ' ');
  return [
    'How the server stops for the restart (18.5 Shutting Down the Server):',
    `  ${mark('smart')} smart      waits until every client has disconnected on its own; new sessions are refused meanwhile`,
    `  ${mark('fast')} fast       ends every session (open transactions roll back), then stops cleanly: the default`,
    '    immediate  stops without a clean shutdown; the next start runs crash recovery: apply never uses it',
  ].join('\n');
}

/** The --restart-mode value, checked: smart or fast (immediate is refused with the reason). */
export function parseRestartMode(value: string | undefined): RestartMode {
  if (value === undefined) return DEFAULT_RESTART_MODE;
  if ((RESTART_MODES as readonly string[]).includes(value)) return value as RestartMode;
  if (value === 'immediate') throw new UsageError('--restart-mode immediate is not offered: it stops the server without a clean shutdown and forces crash recovery on the next start (18.5); use fast or smart');
  throw new UsageError(`--restart-mode must be smart or fast, not "${value}"`);
}
