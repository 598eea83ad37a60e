/** Nobody locked out (pure part): the refusal, the roles listed, the version note. */
import test from 'ava';
import { judgeAccess, type AccessInput } from '../../src/apply/access.js';

const MD5_HBA = 'local all all md5\nhost all all 127.0.0.1/32 md5\n';
const AFTER_MD5_TO_SCRAM = 'local all postgres peer\nlocal all all scram-sha-256\nhostnossl all all all reject\nhostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-full\nhost all all 127.0.0.1/32 scram-sha-256\n';
const base: AccessInput = {
  before: MD5_HBA,
  after: AFTER_MD5_TO_SCRAM,
  roles: [],
  osUsers: new Set(['root', 'postgres']),
  sslBefore: false,
  sslAfter: true,
  version: 15,
  hbaFile: '/data/pg_hba.conf',
};

test('the only superuser has an md5 password and every rule becomes scram: refused, naming it and set-password', (t) => {
  const r = judgeAccess({ ...base, roles: [{ name: 'dbadmin', superuser: true, secret: 'md5' }] });
  t.regex(r.refusal ?? '', /no superuser could log in, so nothing was changed:\n {2}dbadmin: its password is stored as an md5 hash[^\n]*\n {4}fix: pg-secure-setup set-password dbadmin/);
});

test('with a SCRAM secret the same superuser keeps its way in, and says how', (t) => {
  const r = judgeAccess({ ...base, roles: [{ name: 'dbadmin', superuser: true, secret: 'scram' }] });
  t.is(r.refusal, undefined);
  t.deepEqual(r.losing, []);
  t.deepEqual(r.admins, ['dbadmin over the Unix socket with its SCRAM password (pg_hba.conf line 2)']);
});

test('a superuser named after an OS user keeps peer: no refusal; roles that lose their way are listed with the fix', (t) => {
  const r = judgeAccess({
    ...base,
    before: 'local all all trust\nhost all all 127.0.0.1/32 trust\n',
    after: 'local all all peer\nhostnossl all all all reject\nhostssl all all 127.0.0.1/32 scram-sha-256\n',
    roles: [
      { name: 'postgres', superuser: true, secret: 'none' },
      { name: 'app', superuser: false, secret: 'none' },
      { name: 'carol', superuser: false, secret: 'md5' },
      { name: 'alice', superuser: false, secret: 'scram' },
    ],
  });
  t.is(r.refusal, undefined);
  t.deepEqual(r.losing, [
    'app: it has no password, and peer does not apply to it (no OS user of that name); fix: pg-secure-setup set-password app',
    'carol: its password is stored as an md5 hash, which scram-sha-256 rules refuse (20.5); fix: pg-secure-setup set-password carol (stores a SCRAM secret; md5 rules accept it too)',
  ]);
  t.deepEqual(r.notes, [], 'PostgreSQL 15 stores SCRAM by default: no version note');
});

test('on a version whose default password_encryption is md5 (from the version table) the md5 roles come with a note', (t) => {
  const r = judgeAccess({ ...base, version: 13, before: 'host all all 127.0.0.1/32 md5\n', after: 'hostssl all all 127.0.0.1/32 scram-sha-256\n', roles: [{ name: 'carol', superuser: false, secret: 'md5' }] });
  t.regex(r.losing[0] ?? '', /^carol: its password is stored as an md5 hash/);
  t.deepEqual(r.notes.length, 1);
  t.regex(r.notes[0]!, /PostgreSQL 13 stores passwords as md5 unless password_encryption says otherwise/);
});

test('a role that could not log in before and cannot be helped by a password is not listed', (t) => {
  const r = judgeAccess({ ...base, before: 'local all all peer\n', after: 'local all all peer\n', roles: [{ name: 'postgres', superuser: true, secret: 'none' }, { name: 'ghost', superuser: false, secret: 'none' }] });
  t.deepEqual(r.losing, []);
});

test('a superuser no rule lets in: the fix names a line to add and set-password', (t) => {
  const r = judgeAccess({ ...base, after: 'local all all reject\nhost all all all reject\n', roles: [{ name: 'dbadmin', superuser: true, secret: 'scram' }] });
  t.regex(r.refusal ?? '', /dbadmin: no rule of the new pg_hba\.conf lets it in\n {4}fix: add one above the others in \/data\/pg_hba\.conf \(e\.g\. "local all dbadmin scram-sha-256"\), then pg-secure-setup set-password dbadmin/);
});
