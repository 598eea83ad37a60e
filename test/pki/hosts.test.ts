import test from 'ava';
import { formatIp, parseHost } from '../../src/pki/hosts.js';

const classifies = test.macro({
  exec(t, input: string, expected: { type: 'dns' | 'ip'; value: string; bytes?: number[] }) {
    const entry = parseHost(input);
    t.is(entry.type, expected.type);
    t.is(entry.value, expected.value);
    if (expected.bytes && entry.type === 'ip') t.deepEqual(Array.from(entry.bytes), expected.bytes);
  },
  title: (_, input) => `host ${JSON.stringify(input)}`,
});

const v6 = (...tail: number[]) => [...new Array<number>(16 - tail.length).fill(0), ...tail];

test(classifies, 'localhost', { type: 'dns', value: 'localhost' });
test(classifies, 'DB.Example.COM', { type: 'dns', value: 'db.example.com' });
test(classifies, '*.db.example.com', { type: 'dns', value: '*.db.example.com' });
test(classifies, 'pg-1.internal', { type: 'dns', value: 'pg-1.internal' });
test(classifies, '127.0.0.1', { type: 'ip', value: '127.0.0.1', bytes: [127, 0, 0, 1] });
test(classifies, '::1', { type: 'ip', value: '::1', bytes: v6(1) });
test(classifies, '[::1]', { type: 'ip', value: '::1', bytes: v6(1) });
test(classifies, '2001:DB8:0:0:0:0:0:1', { type: 'ip', value: '2001:db8::1' });
test(classifies, '2001:db8:0:0:1:0:0:1', { type: 'ip', value: '2001:db8::1:0:0:1' });
test(classifies, 'fe80::', { type: 'ip', value: 'fe80::', bytes: [0xfe, 0x80, ...new Array<number>(14).fill(0)] });
test(classifies, '::ffff:10.1.2.3', { type: 'ip', value: '::ffff:10.1.2.3', bytes: v6(0xff, 0xff, 10, 1, 2, 3) });
test(classifies, '1:2:3:4:5:6:7:8', { type: 'ip', value: '1:2:3:4:5:6:7:8' });

const refuses = test.macro({
  exec(t, input: string, message: RegExp) {
    t.throws(() => parseHost(input), { message });
  },
  title: (_, input) => `refuses ${JSON.stringify(input)}`,
});

test(refuses, 'bad host', /neither a DNS name/);
test(refuses, 'db_1.example.com', /neither a DNS name/);
test(refuses, '-db.example.com', /neither a DNS name/);
test(refuses, 'db.*.example.com', /neither a DNS name/);
test(refuses, '*', /neither a DNS name/);
test(refuses, '999.1.1.1', /neither a DNS name/);
test(refuses, 'a..b', /neither a DNS name/);
test(refuses, `${'a'.repeat(64)}.com`, /neither a DNS name/);
test(refuses, '', /neither a DNS name/);
test(refuses, '[127.0.0.1]', /only IPv6/);
test(refuses, 'fe80::1%eth0', /zone id/);

test('formatIp follows RFC 5952', (t) => {
  t.is(formatIp(Uint8Array.from(v6(0))), '::');
  t.is(formatIp(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])), '2001:db8:0:1::1');
  t.is(formatIp(Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])), '1:0:0:1::1');
  // A tie goes to the first run.
  t.is(formatIp(Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1])), '1::1:0:0:1:1');
  t.throws(() => formatIp(new Uint8Array(5)), { message: /4 or 16 bytes/ });
});
