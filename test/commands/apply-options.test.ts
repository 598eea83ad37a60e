/** Where apply and rollback look for the server: flags, $PGDATA, and when a connection is asked. */
import test from 'ava';
import { whereFrom } from '../../src/commands/apply.js';
import { wantsConnection } from '../../src/apply/locate-connect.js';

const where = test.macro({
  exec(t, values: Record<string, string>, env: NodeJS.ProcessEnv, want: object, connection: boolean) {
    const w = whereFrom(values, env);
    t.deepEqual(w, want);
    t.is(wantsConnection(w, env), connection);
  },
  title: (given) => `where the server is: ${given}`,
});

test('--pgdata', where, { pgdata: '/d' }, {}, { pgdata: '/d' }, false);
test('$PGDATA when no flag names a place', where, {}, { PGDATA: '/env' }, { pgdata: '/env' }, false);
test('--config-dir wins over $PGDATA', where, { 'config-dir': '/etc/pg' }, { PGDATA: '/env' }, { configDir: '/etc/pg' }, false);
test('--connect wins over $PGDATA', where, { connect: 'host=/tmp' }, { PGDATA: '/env' }, { connect: 'host=/tmp' }, true);
test('PGHOST alone asks a connection', where, {}, { PGHOST: 'localhost' }, {}, true);
test('PGHOST with --pgdata: the directory decides', where, { pgdata: '/d' }, { PGHOST: 'localhost' }, { pgdata: '/d' }, false);
test('nothing: the Debian cluster, if one', where, {}, {}, {}, false);
test('--pg-bin passes through', where, { pgdata: '/d', 'pg-bin': '/opt/pg/bin' }, {}, { pgdata: '/d', pgBin: '/opt/pg/bin' }, false);
