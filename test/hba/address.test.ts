import test from 'ava';
import { cidrBits, cidrMask, ipv6Groups, leadingOnes, parseIp, parseIpv4Number, prefixLength, rangeContains } from '../../src/hba/address.js';

const ipv4 = test.macro({
  exec(t, text: string, expected: number | undefined) {
    t.is(parseIpv4Number(text), expected);
  },
  title: (_given, text: string, expected: number | undefined) => `IPv4 ${JSON.stringify(text)} -> ${expected === undefined ? 'host name' : expected.toString(16)}`,
});

// inet_aton's forms, which PostgreSQL 15 accepted in pg_hba_file_rules (127.1, 0x7f.0.0.1, 1.2.3).
for (const [text, expected] of [
  ['127.0.0.1', 0x7f000001],
  ['127.1', 0x7f000001],
  ['0x7f.0.0.1', 0x7f000001],
  ['0X7F.1', 0x7f000001],
  ['010.0.0.1', 0x08000001],
  ['1.2.3', 0x01020003],
  ['1.2.65535', 0x0102ffff],
  ['10', 10],
  ['4294967295', 0xffffffff],
  ['255.255.255.255', 0xffffffff],
  ['4294967296', undefined],
  ['1.2.3.4.5', undefined],
  ['256.1.1.1', undefined],
  ['1.2.65536', undefined],
  ['1..2', undefined],
  ['1.2.', undefined],
  ['', undefined],
  ['08', undefined],
  ['1e3', undefined],
  ['db.example.com', undefined],
  ['::1', undefined],
] as const) {
  test(ipv4, text, expected);
}

const ipv6 = test.macro({
  exec(t, text: string, expected: number[] | undefined) {
    t.deepEqual(ipv6Groups(text), expected);
  },
  title: (_given, text: string) => `IPv6 ${JSON.stringify(text)}`,
});

for (const [text, expected] of [
  ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
  ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
  ['1::', [1, 0, 0, 0, 0, 0, 0, 0]],
  ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
  ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]],
  ['::ffff:1.2.3.4', [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]],
  ['1:2:3:4:5:6:7::', [1, 2, 3, 4, 5, 6, 7, 0]],
  ['fe80::1%', undefined],
  ['1:2:3:4:5:6:7', undefined],
  ['1:2:3:4:5:6:7:8:9', undefined],
  ['1::2::3', undefined],
  [':::', undefined],
  [':1::', undefined],
  ['1:', undefined],
  ['::1.2.3', undefined],
  ['12345::', undefined],
  ['g::', undefined],
] as const) {
  test(ipv6, text, expected === undefined ? undefined : [...expected]);
}

test('CIDR lengths as strtol reads them', (t) => {
  t.is(cidrBits('24', 4), 24);
  t.is(cidrBits('+8', 4), 8);
  t.is(cidrBits('-0', 4), 0);
  t.is(cidrBits('128', 6), 128);
  for (const bad of ['33', '-1', '', '24x', '0x10']) t.is(cidrBits(bad, 4), undefined, bad);
});

test('masks, prefixes and containment', (t) => {
  const range = (text: string, mask?: string) => {
    const [addr, bits] = text.split('/');
    const ip = parseIp(addr!)!;
    return { family: ip.family, value: ip.value, mask: bits === undefined ? parseIp(mask!)!.value : cidrMask(bits, ip.family)! };
  };
  t.is(prefixLength(range('10.0.0.0/8').mask, 4), 8);
  t.is(prefixLength(range('10.0.0.0', '255.0.255.0').mask, 4), undefined);
  t.is(leadingOnes(range('10.0.0.0', '255.0.255.0').mask, 4), 8);
  t.is(prefixLength(range('::/0').mask, 6), 0);
  t.true(rangeContains(range('10.0.0.0/8'), range('10.1.2.0/24')));
  t.true(rangeContains(range('10.9.9.9/8'), range('10.1.2.3', '255.255.255.255')), 'host bits beyond the mask are ignored');
  t.false(rangeContains(range('10.1.2.0/24'), range('10.0.0.0/8')));
  t.false(rangeContains(range('0.0.0.0/0'), range('::1/128')), 'IPv4 never covers IPv6');
  t.true(rangeContains(range('10.0.0.0', '255.0.255.0'), range('10.7.0.0/24')));
  t.false(rangeContains(range('10.0.0.0', '255.0.255.0'), range('10.0.0.0/12')));
  t.true(rangeContains(range('2001:db8::/32'), range('2001:db8:1::/48')));
});
