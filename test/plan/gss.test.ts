/** GSSAPI rule order (20.1 first match; hostnossl matches GSS-encrypted connections too) and --gss-map parsing. */
import test from 'ava';
import { parseGssMap, withGssRules, type GssOptions } from '../../src/plan/gss.js';
import { planHbaRules } from '../../src/plan/hba-rules.js';

const a = { clientCerts: 'verify-full', refusePlaintext: true, networks: ['10.0.0.0/8'] } as const;
const g = (transport: GssOptions['transport'], maps: GssOptions['maps'] = []): GssOptions => ({ transport, realm: 'EXAMPLE.COM', keytab: 'k', srvname: 'postgres', maps });
const types = (t: GssOptions['transport']) => withGssRules(planHbaRules({ ...a, networks: [...a.networks] }), { networks: [...a.networks] }, g(t)).map((r) => `${r.rule.type} ${r.rule.databases[0]} ${r.rule.method}`);

test('gssapi: local, the hostgssenc accept lines, then the refusals; no hostssl line', (t) => {
  t.deepEqual(types('gssapi'), ['local all peer', 'hostgssenc all gss', 'hostgssenc replication gss', 'hostnossl all reject', 'hostnossl replication reject']);
});

test('both: GSS lines first, then the refusals, then the hostssl lines', (t) => {
  t.deepEqual(types('both'), ['local all peer', 'hostgssenc all gss', 'hostgssenc replication gss', 'hostnossl all reject', 'hostnossl replication reject', 'hostssl all scram-sha-256', 'hostssl replication scram-sha-256']);
});

test('the comments say why the order matters; options follow the map choice', (t) => {
  const rules = withGssRules(planHbaRules({ ...a, networks: [...a.networks] }), { networks: [...a.networks] }, g('both'));
  t.regex(rules[1]!.comment, /Before the plaintext refusal, which also matches GSS-encrypted connections; before the TLS rules, as libpq tries GSS encryption first/);
  t.deepEqual(rules[1]!.rule.options, [['include_realm', '0'], ['krb_realm', 'EXAMPLE.COM']]);
  const mapped = withGssRules(planHbaRules({ ...a, networks: [...a.networks] }), { networks: [...a.networks] }, g('gssapi', [{ principal: 'carol@EXAMPLE.COM', role: 'alice' }]));
  t.deepEqual(mapped[1]!.rule.options, [['map', 'pg-secure-setup']]);
});

test('--gss-map: PRINCIPAL=ROLE within the realm, else the reason', (t) => {
  t.deepEqual(parseGssMap('carol@EXAMPLE.COM=alice', 'EXAMPLE.COM'), { principal: 'carol@EXAMPLE.COM', role: 'alice' });
  t.throws(() => parseGssMap('carol=alice', 'EXAMPLE.COM'), { message: /needs its realm \(carol@EXAMPLE\.COM\)/ });
  t.throws(() => parseGssMap('eve@OTHER.ORG=alice', 'EXAMPLE.COM'), { message: /not in the realm EXAMPLE\.COM/ });
  t.throws(() => parseGssMap('carol@EXAMPLE.COM', 'EXAMPLE.COM'), { message: /is not PRINCIPAL=ROLE/ });
});
