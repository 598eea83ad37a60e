/** Closing a server's trust and password records (pure): what changes, and that nothing else does. */
import test from 'ava';
import { closeOpenRules, openRules, parseHba, serializeHba } from '../../src/hba/index.js';

/** initdb's default pg_hba.conf records (no --auth): trust everywhere. */
const INITDB_TRUST = `# TYPE  DATABASE        USER            ADDRESS                 METHOD

# "local" is for Unix domain socket connections only
local   all             all                                     trust
# IPv4 local connections:
host    all             all             127.0.0.1/32            trust
# IPv6 local connections:
host    all             all             ::1/128                 trust
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
host    replication     all             ::1/128                 trust
`;

test('local trust becomes peer, host trust becomes scram-sha-256; comments and columns stay', (t) => {
  const { doc, changes } = closeOpenRules(parseHba(INITDB_TRUST));
  t.deepEqual(
    changes.map((c) => [c.line, c.from, c.to]),
    [
      [4, 'trust', 'peer'],
      [6, 'trust', 'scram-sha-256'],
      [8, 'trust', 'scram-sha-256'],
      [11, 'trust', 'peer'],
      [12, 'trust', 'scram-sha-256'],
      [13, 'trust', 'scram-sha-256'],
    ],
  );
  const expected = INITDB_TRUST.replace(/^(local .*)trust$/gm, '$1peer').replace(/^(host .*)trust$/gm, '$1scram-sha-256');
  t.is(serializeHba(doc), expected);
  t.deepEqual(openRules(doc), [], 'nothing open is left');
});

test('password on a network record becomes scram-sha-256, the comment after it moved as little as it can; local password, md5, peer and cert stay', (t) => {
  const text = 'hostssl all app 10.0.0.0/8 password  # app servers\nlocal all all password\nhost all all 0.0.0.0/0 md5\nlocal all all peer\nhostssl all all all cert\r\n';
  const { doc, changes } = closeOpenRules(parseHba(text));
  t.deepEqual(changes.map((c) => [c.line, c.text, c.to]), [[1, 'hostssl all app 10.0.0.0/8 password  # app servers', 'scram-sha-256']]);
  t.is(serializeHba(doc), text.replace('password  # app', 'scram-sha-256 # app'), 'the comment keeps its column where the spaces allow');
});

test('a file with nothing open is returned as it is', (t) => {
  const doc = parseHba('local all all peer\nhostssl all all all scram-sha-256\n');
  const closed = closeOpenRules(doc);
  t.is(closed.doc, doc);
  t.deepEqual(closed.changes, []);
});

test('a record continued over two lines (PostgreSQL 14+) keeps its continuation', (t) => {
  const text = 'host all all \\\n  127.0.0.1/32 trust\n';
  const { doc } = closeOpenRules(parseHba(text));
  t.is(serializeHba(doc), 'host all all \\\n  127.0.0.1/32 scram-sha-256\n');
  t.is(doc.lines[0]!.kind === 'record' ? doc.lines[0]!.rule.method : '', 'scram-sha-256');
});
