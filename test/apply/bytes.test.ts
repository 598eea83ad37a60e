/**
 * Bytes an apply does not mean to change come back identical, whatever the
 * encoding of pg_hba.conf and postgresql.conf (Latin-1 comments, stray
 * bytes): property tests over the pure plan.
 */
import test from 'ava';
import fc from 'fast-check';
import { planApply, settingsTarget, type BundleContents, type FileState, type ServerLayout } from '../../src/apply/plan.js';

const POSTGRES = { name: 'postgres', uid: 105, gid: 111 };
const layout: ServerLayout = { dataDir: '/data', configFile: '/data/postgresql.conf', hbaFile: '/data/pg_hba.conf', osUser: POSTGRES, version: 15 };

const HBA_RECORDS = ['local   all   all                  peer', 'host    all   all   127.0.0.1/32   scram-sha-256', 'host    all   all   ::1/128        scram-sha-256'];

const bundle: BundleContents = {
  dir: '/b',
  pgVersion: 15,
  hba: '# TYPE DATABASE USER ADDRESS METHOD\nlocal all all peer\nhostnossl all all all reject\nhostssl all all 10.0.0.0/8 scram-sha-256 clientcert=verify-full\n',
  settings: "ssl = on\nssl_cert_file = 'server.crt'\n# réglage écrit en UTF-8\n",
  server: { 'server.crt': Buffer.from('CERT') },
};

const state = (bytes: Uint8Array): FileState => ({ bytes, mode: 0o600, uid: POSTGRES.uid, gid: POSTGRES.gid });

/** A comment line: '#' then any bytes but a newline. */
const commentLine = fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.concat([Buffer.from('#'), Buffer.from(b.filter((x) => x !== 0x0a)), Buffer.from('\n')]));

function plan(hba: Buffer, conf: Buffer) {
  const target = settingsTarget(layout, conf.toString('latin1'), () => false);
  const current = new Map([
    [layout.configFile, state(conf)],
    [layout.hbaFile, state(hba)],
  ]);
  return planApply({ bundle, layout, settingsTarget: target, current, options: { keyOwner: 'server', md5ToScram: false } });
}

/** Whether the lines of `inner` appear in `outer` in order, each byte for byte. */
function keepsLines(outer: Buffer, inner: Buffer): boolean {
  const split = (b: Buffer) => b.toString('latin1').split('\n');
  const out = split(outer);
  let i = 0;
  for (const line of split(inner)) {
    while (i < out.length && out[i] !== line) i++;
    if (i === out.length) return false;
    i++;
  }
  return true;
}

test('comment lines of any bytes in pg_hba.conf and postgresql.conf come through a plan unchanged', (t) => {
  fc.assert(
    fc.property(fc.array(commentLine, { minLength: HBA_RECORDS.length + 1, maxLength: HBA_RECORDS.length + 1 }), fc.array(commentLine, { maxLength: 4 }), (hbaComments, confComments) => {
      const hba = Buffer.concat(hbaComments.flatMap((c, i) => (i < HBA_RECORDS.length ? [c, Buffer.from(HBA_RECORDS[i] + '\n')] : [c])));
      const conf = Buffer.concat([Buffer.from('port = 5432\n'), ...confComments, Buffer.from("listen_addresses = '*'\n")]);
      const p = plan(hba, conf);
      if (p.problems.length > 0) return false;
      const after = (path: string) => Buffer.from(p.files.find((f) => f.path === path)!.after.bytes);
      const newHba = after(layout.hbaFile);
      const newConf = after(layout.configFile);
      return keepsLines(newHba, hba) && newConf.subarray(0, conf.length).equals(conf);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('a Latin-1 comment stays Latin-1 beside the bundle\'s UTF-8 rules; the settings file keeps its UTF-8', (t) => {
  const latin1 = Buffer.from('# r\xe8gles de l\'\xe9quipe\n', 'latin1');
  const p = plan(Buffer.concat([latin1, Buffer.from(HBA_RECORDS.join('\n') + '\n')]), Buffer.from('port = 5432\n'));
  t.deepEqual(p.problems, []);
  const hba = Buffer.from(p.files.find((f) => f.role === 'hba')!.after.bytes);
  t.true(hba.subarray(0, latin1.length).equals(latin1));
  const settings = Buffer.from(p.files.find((f) => f.role === 'settings')!.after.bytes);
  t.true(settings.equals(Buffer.from(bundle.settings, 'utf8')));
});
