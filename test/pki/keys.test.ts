import test from 'ava';
import crypto from 'node:crypto';
import forge from 'node-forge';
import { generateRsaKey } from '../../src/pki/keys.js';

// forge must hand key generation to node's native, thread-pool
// generateKeyPair (pure JavaScript takes a minute for 4096 bits). Checked by
// watching the native call, not by timing: keys are asked for at once, all
// are in flight together, and the event loop keeps turning meanwhile.
test.serial('keys are made by node:crypto in the thread pool, in parallel, without blocking', async (t) => {
  // forge.options is missing from @types/node-forge.
  const options = (forge as unknown as { options?: { usePureJavaScript?: boolean } }).options;
  t.false(Boolean(options?.usePureJavaScript));
  type Gen = (type: unknown, opts: { modulusLength?: number }, callback: (...r: unknown[]) => void) => void;
  const native = crypto as unknown as { generateKeyPair: Gen };
  const original = native.generateKeyPair;
  const calls: { type: unknown; bits: unknown }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  native.generateKeyPair = (type: unknown, opts: { modulusLength?: number }, callback: (...r: unknown[]) => void) => {
    calls.push({ type, bits: opts.modulusLength });
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    original.call(crypto, type, opts, (...r: unknown[]) => {
      inFlight--;
      callback(...r);
    });
  };
  try {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const keys = await Promise.all([generateRsaKey(2048), generateRsaKey(2048), generateRsaKey(3072)]);
    clearInterval(ticker);
    t.deepEqual(calls, [
      { type: 'rsa', bits: 2048 },
      { type: 'rsa', bits: 2048 },
      { type: 'rsa', bits: 3072 },
    ]);
    t.is(maxInFlight, 3, 'all three keys were being made at once');
    t.true(ticks > 0, 'timers ran while keys were made');
    t.is(keys[2]!.publicKey.n.bitLength(), 3072);
  } finally {
    native.generateKeyPair = original;
  }
});
