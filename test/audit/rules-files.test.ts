import test from 'ava';
import { auditFindings, type PathFacts, type Profile } from '../../src/audit/index.js';
import { cleanFacts, OPTS } from './facts.js';

const path = (p: string, kind: PathFacts['kind'], mode: number, uid = 105): PathFacts => ({ path: p, kind, mode, uid, gid: 110 });
const found = (paths: PathFacts[], profile: Profile = 'default') => auditFindings(cleanFacts({ paths, serverUid: 105 }), { ...OPTS, profile });

test('the modes initdb and Debian use are clean', (t) => {
  const paths = [path('/d/pg_hba.conf', 'pg_hba.conf', 0o600), path('/etc/pg_hba.conf', 'pg_hba.conf', 0o640), path('/etc/postgresql.conf', 'postgresql.conf', 0o644), path('/d', 'data directory', 0o700), path('/run/pg', 'socket directory', 0o2775), path('/tmp', 'socket directory', 0o1777)];
  t.deepEqual(found(paths), []);
  t.deepEqual(found(paths, 'cis').map((f) => f.id), ['ssl-min-tls13'], 'pgdsat accepts 0640');
  t.deepEqual(found(paths, 'dev-sec').map((f) => f.id), ['hba-reject-line', 'hba-file-group-readable', 'conf-file-readable'], 'dev-sec: owner only');
  t.deepEqual(found([path('/d', 'data directory', 0o750)], 'cis').map((f) => f.id), ['ssl-min-tls13', 'data-dir-group-access']);
  t.deepEqual(found([path('/d', 'data directory', 0o750)]), []);
});

test('writable or world-readable configuration, a foreign owner, open directories', (t) => {
  const f = found([
    path('/etc/conf.d/x.conf', 'included conf', 0o664),
    path('/etc/pg_ident.conf', 'pg_ident.conf', 0o604),
    path('/etc/pg_hba.conf', 'pg_hba.conf', 0o600, 1000),
    path('/d', 'data directory', 0o755),
    path('/sock', 'socket directory', 0o777),
  ]);
  t.deepEqual(f.map((x) => [x.id, x.severity]), [['conf-file-mode', 'high'], ['conf-file-owner', 'high'], ['data-dir-mode', 'high'], ['conf-file-mode', 'medium'], ['socket-dir-mode', 'medium']]);
  t.regex(f[0]!.evidence, /x\.conf \(included conf\) has mode 0664/);
  t.regex(f[1]!.evidence, /uid 1000; the server runs as uid 105/);
});
