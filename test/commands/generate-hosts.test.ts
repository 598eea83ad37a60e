/**
 * Every host spelling the checks accept survives to the end: generate
 * writes a bundle whose certificate, answers and README carry its one
 * normal form. Every spelling they refuse gets a message, not a crash.
 */
import test from 'ava';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectCertificate } from '../../src/pki/index.js';
import { runCli } from '../helpers/cli.js';

const spelling = test.macro({
  async exec(t, typed: string, expected: { host: string; kind: 'dns' | 'ip' } | RegExp) {
    const cwd = await mkdtemp(join(tmpdir(), 'pgss-host-'));
    try {
      const r = await runCli(['generate', '--out', 'b', '-q', '--pki', 'self-signed', '--host', typed], { cwd });
      t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
      if (expected instanceof RegExp) {
        t.is(r.code, 2);
        t.regex(r.stderr, expected);
        t.deepEqual(await readdir(cwd), [], 'nothing written');
        return;
      }
      t.is(r.code, 0, r.stderr);
      const answers = JSON.parse(await readFile(join(cwd, 'b', 'answers.json'), 'utf8')) as { hosts: string[] };
      t.deepEqual(answers.hosts, [expected.host]);
      const cert = inspectCertificate(await readFile(join(cwd, 'b', 'server', 'server.crt'), 'utf8'));
      t.deepEqual(expected.kind === 'dns' ? cert.dnsNames : cert.ipAddresses, [expected.host]);
      const readme = await readFile(join(cwd, 'b', 'README.md'), 'utf8');
      if (typed !== expected.host) t.false(readme.includes(`host=${typed}`), 'connection strings use the normal form');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  },
  title: (_given, typed: string, expected: unknown) => `--host ${JSON.stringify(typed)} ${expected instanceof RegExp ? 'is refused with a message' : `becomes ${JSON.stringify((expected as { host: string }).host)}`}`,
});

test(spelling, 'db.example.com.', { host: 'db.example.com', kind: 'dns' });
test(spelling, 'DB.Example.COM', { host: 'db.example.com', kind: 'dns' });
test(spelling, '*.db.example.com.', { host: '*.db.example.com', kind: 'dns' });
test(spelling, '[::1]', { host: '::1', kind: 'ip' });
test(spelling, '[2001:DB8:0:0:0:0:0:1]', { host: '2001:db8::1', kind: 'ip' });
test(spelling, '::FFFF:127.0.0.1', { host: '::ffff:127.0.0.1', kind: 'ip' });
test(spelling, 'fe80::1', { host: 'fe80::1', kind: 'ip' });
test(spelling, 'fe80::1%eth0', /hosts: "fe80::1%eth0": an IPv6 zone \(%eth0\) names a network interface of one machine[^\n]*give the address alone \(fe80::1\)/);
test(spelling, '[fe80::1%25eth0]', /hosts: "\[fe80::1%25eth0\]": an IPv6 zone/);
test(spelling, '[127.0.0.1]', /hosts: "\[127\.0\.0\.1\]": only an IPv6 address goes in \[brackets\]/);
test(spelling, '[db.example.com]', /hosts: "\[db\.example\.com\]": only an IPv6 address goes in \[brackets\]/);
test(spelling, 'db.example.com..', /hosts: "db\.example\.com\.\." is not a valid host name/);
test(spelling, '.', /hosts: "\." is not a valid host name/);
test(spelling, '[::1', /hosts: "\[::1" is not a valid IPv6 address/);
