import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../../src/bundle/write.js';
import { UsageError } from '../../src/errors.js';
import { BIN } from '../helpers/cli.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('a failure halfway through writing leaves neither the bundle nor a staging directory', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-write-'));
  try {
    const files = [
      { path: 'server/server.key', mode: 0o600, bytes: enc('key') },
      { path: 'server/server.key', mode: 0o600, bytes: enc('the same path twice fails on write') },
    ];
    await t.throwsAsync(writeBundle(join(work, 'b'), files, { force: false }), { code: 'EEXIST' });
    t.deepEqual(await readdir(work), []);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('keys are written 0600 and scripts 0755 whatever the umask', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-write-'));
  const old = process.umask(0o077);
  try {
    const out = await writeBundle(join(work, 'b'), [
      { path: 'k.key', mode: 0o600, bytes: enc('k') },
      { path: 'apply.sh', mode: 0o755, bytes: enc('#!/bin/sh\n') },
    ], { force: false });
    t.is((await stat(join(out, 'k.key'))).mode & 0o777, 0o600);
    t.is((await stat(join(out, 'apply.sh'))).mode & 0o777, 0o755);
  } finally {
    process.umask(old);
    await rm(work, { recursive: true, force: true });
  }
});

test('a non-empty target is refused without --force', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-write-'));
  try {
    await writeBundle(join(work, 'b'), [{ path: 'a', mode: 0o644, bytes: enc('1') }], { force: false });
    await t.throwsAsync(writeBundle(join(work, 'b'), [{ path: 'a', mode: 0o644, bytes: enc('2') }], { force: false }), { instanceOf: UsageError, message: /not empty/ });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('--force replaces a previous bundle only', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-write-'));
  const bundle = [
    { path: 'answers.json', mode: 0o644, bytes: enc('{"pgVersion": 15}') },
    { path: 'conf/pg_hba.conf', mode: 0o644, bytes: enc('') },
    { path: 'conf/pg-secure-setup.conf', mode: 0o644, bytes: enc('') },
  ];
  try {
    const home = join(work, 'home');
    await writeBundle(home, [{ path: '.ssh/id_ed25519', mode: 0o600, bytes: enc('key') }], { force: false });
    await t.throwsAsync(writeBundle(home, bundle, { force: true }), { instanceOf: UsageError, message: /is not a previous pg-secure-setup bundle/ });
    t.deepEqual(await readdir(home), ['.ssh'], 'the directory is kept');
    const b = await writeBundle(join(work, 'b'), bundle, { force: false });
    await writeBundle(b, [...bundle, { path: 'README.md', mode: 0o644, bytes: enc('new') }], { force: true });
    t.deepEqual((await readdir(b)).sort(), ['README.md', 'answers.json', 'conf']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('Ctrl+C while keys are made exits 130 and leaves nothing', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'pgss-sigint-'));
  try {
    const child = spawn(process.execPath, [BIN, 'generate', '--out', 'b', '--key-bits', '4096', '--pki', 'ca-intermediate', '--client-user', 'a', '--client-user', 'b'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const interrupted = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/key 1\//.test(stderr)) resolve();
      });
    });
    const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
    await interrupted;
    child.kill('SIGINT');
    // Ended by SIGINT's default action (a shell shows 130), without waiting for the keys in flight.
    t.is(await exited, 'SIGINT');
    t.deepEqual(await readdir(work), []);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
