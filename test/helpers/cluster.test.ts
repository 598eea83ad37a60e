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

test('a cluster of another major comes from the npm package and is that version', async (t) => {
  const c = await startCluster({ version: 12 });
  try {
    t.regex(await c.psql('SHOW server_version'), /^12\.\d+/);
    t.not(c.clientBin, c.bin, 'the npm package has no psql: Debian\'s is used');
  } finally {
    await c.stop();
  }
});
