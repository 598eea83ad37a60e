import test from 'ava';
import { startCluster } from './cluster.js';

test('a throwaway cluster starts, answers SQL over its socket and stops', async (t) => {
  const c = await startCluster();
  try {
    t.is(await c.psql('SHOW port'), String(c.port));
    t.is(await c.psql('SHOW ssl'), 'off');
  } finally {
    await c.stop();
  }
});
