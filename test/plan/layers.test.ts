/** The 18.8 layers text: every layer named, and what a bundle covers told apart from what it leaves. */
import test from 'ava';
import { layersText } from '../../src/plan/layers.js';

test('names the five layers with the manual section, and says which the bundle leaves to the user', (t) => {
  const text = layersText();
  t.regex(text, /18\.8 Encryption Options/);
  for (const layer of ['Password storage', 'In transit', 'pgcrypto', 'At rest', 'Client-side']) t.true(text.includes(layer), layer);
  t.is(text.match(/This bundle: covered/g)?.length, 2);
  t.is(text.match(/This bundle: not covered/g)?.length, 3);
  t.regex(text, /pgcrypto[^\n]*key still passes through the server/);
});

test('the transit line follows the transport', (t) => {
  t.regex(layersText('tls'), /covered: TLS, plaintext refused/);
  t.regex(layersText('gssapi'), /covered: GSSAPI encryption, plaintext refused/);
  t.regex(layersText('both'), /covered: GSSAPI encryption, else TLS/);
});
