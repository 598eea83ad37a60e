/** Who can still log in under a pg_hba.conf (pure): first match, methods and what cannot be known. */
import test from 'ava';
import { parseHba, whoGetsIn, type AccessContext, type LoginRole } from '../../src/hba/index.js';

const CTX: AccessContext = { osUsers: new Set(['root', 'postgres', 'nobody']), ssl: true };
const role = (name: string, secret: LoginRole['secret'], superuser = false): LoginRole => ({ name, secret, superuser });
const verdict = (text: string, r: LoginRole, ctx: AccessContext = CTX) => whoGetsIn(parseHba(text), r, ctx).verdict;

test('peer lets in the role whose name is an OS user, and nobody else', (t) => {
  const hba = 'local all all peer\n';
  t.is(verdict(hba, role('postgres', 'none')), 'yes');
  t.regex(whoGetsIn(parseHba(hba), role('postgres', 'none'), CTX).how!, /over the Unix socket with peer, as the OS user postgres \(pg_hba\.conf line 1\)/);
  t.is(verdict(hba, role('dbadmin', 'scram')), 'no');
});

test('scram-sha-256 refuses an md5-stored password; md5 accepts both', (t) => {
  t.is(verdict('local all all scram-sha-256\n', role('dbadmin', 'md5')), 'no');
  t.is(verdict('local all all scram-sha-256\n', role('dbadmin', 'scram')), 'yes');
  t.is(verdict('local all all md5\n', role('dbadmin', 'scram')), 'yes');
  t.is(verdict('local all all md5\n', role('dbadmin', 'none')), 'no');
});

test('the first matching record decides: a reject above a scram rule locks out', (t) => {
  t.is(verdict('local all dbadmin reject\nlocal all all scram-sha-256\nhost all all all reject\n', role('dbadmin', 'scram')), 'no');
  t.is(verdict('local all other reject\nlocal all all scram-sha-256\n', role('dbadmin', 'scram')), 'yes');
});

test('TCP: hostssl needs ssl on; hostnossl reject above takes the plaintext ones; addresses are matched', (t) => {
  const hba = 'local all all reject\nhostnossl all all all reject\nhostssl all all 10.0.0.0/8 scram-sha-256\n';
  t.is(verdict(hba, role('app', 'scram')), 'yes');
  t.regex(whoGetsIn(parseHba(hba), role('app', 'scram'), CTX).how!, /over TCP with TLS from 10\.0\.0\.0/);
  t.is(verdict(hba, role('app', 'scram'), { ...CTX, ssl: false }), 'no');
  t.is(verdict('hostssl all all 10.0.0.0/8 scram-sha-256\nhost all all 192.168.1.0/24 reject\n', role('app', 'md5')), 'no');
});

test('what cannot be known here makes "maybe", never "yes"', (t) => {
  t.is(verdict('hostssl all all all scram-sha-256 clientcert=verify-full\n', role('alice', 'scram')), 'maybe', 'a client certificate');
  t.is(verdict('hostssl all all all cert\n', role('alice', 'none')), 'maybe');
  t.is(verdict('local all +admins trust\nlocal all all reject\n', role('alice', 'none')), 'maybe', 'group membership');
  t.is(verdict('local all +admins reject\nlocal all all trust\n', role('alice', 'none')), 'maybe', 'a group that may reject first');
  t.is(verdict('local all all peer map=admins\n', role('alice', 'none')), 'maybe');
  t.is(verdict('include other.conf\nlocal all all trust\n', role('alice', 'none')), 'maybe');
  t.is(verdict('host all all db.example.com scram-sha-256\n', role('alice', 'scram')), 'maybe');
});

test('replication-only records do not match an ordinary connection; a quoted "all" is a name', (t) => {
  t.is(verdict('local replication all trust\n', role('alice', 'none')), 'no');
  t.is(verdict('local all "all" trust\n', role('alice', 'none')), 'no');
  t.is(verdict('local sameuser all trust\n', role('postgres', 'none')), 'yes', 'the database asked for is postgres');
});

test('many networks: past the ones tried, an unfound way in is "maybe", not "no"', (t) => {
  const lines = Array.from({ length: 100 }, (_, i) => `hostssl all app 10.${i}.0.0/16 reject`);
  const text = `${lines.join('\n')}\nhostssl all app 192.168.7.0/24 scram-sha-256\n`;
  t.is(verdict(text, role('app', 'scram')), 'maybe');
  t.is(verdict(text, role('other', 'scram')), 'no', 'records of other roles add no addresses');
  t.is(verdict(`${lines.slice(0, 10).join('\n')}\nhostssl all app 192.168.7.0/24 scram-sha-256\n`, role('app', 'scram')), 'yes');
});
