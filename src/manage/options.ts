/** Flags the bundle-managing commands share (status, issue, revoke, renew). */
import { UsageError } from '../errors.js';

/** --ca and --help for util.parseArgs. */
export const MANAGE_OPTIONS = {
  ca: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Help line for --ca. */
export const CA_HELP = '  --ca DIR              where the CA is kept (default BUNDLE/ca); its keys never leave it';

/** The one BUNDLE argument. */
export function bundleArg(positionals: readonly string[], command: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(`${command}: give exactly one bundle directory (pg-secure-setup ${command} BUNDLE ...), got ${positionals.length}`);
  }
  return positionals[0]!;
}

/** A whole number of days within bounds, from a flag. */
export function daysArg(raw: unknown, flag: string, fallback: number, max = 36500, min = 1): number {
  if (raw === undefined) return fallback;
  const text = String(raw);
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${flag} ${text}: give a whole number of days from ${min} to ${max}`);
  return Number(text);
}
