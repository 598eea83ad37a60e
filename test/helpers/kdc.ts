/**
 * A throwaway MIT Kerberos KDC on 127.0.0.1 with a private realm and its own
 * config files (Debian packages krb5-kdc, krb5-admin-server, krb5-user).
 * Nothing reads /etc/krb5.conf: every program gets KRB5_CONFIG,
 * KRB5_KDC_PROFILE, KRB5CCNAME and KRB5RCACHEDIR pointing into the KDC's
 * temporary directory.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './cluster.js';

const run = promisify(execFile);

/** A running KDC. */
export interface Kdc {
  readonly realm: string;
  readonly dir: string;
  /** Environment for any Kerberos program (client, server, kadmin). */
  readonly env: NodeJS.ProcessEnv;
  /** Add a principal with a random key and write its keys to a keytab. */
  keytab(principal: string, file: string): Promise<void>;
  /** Add a principal with a password. */
  addUser(principal: string, password: string): Promise<void>;
  /** kinit into a fresh credential cache; returns the environment that uses it. */
  kinit(principal: string, password: string): Promise<NodeJS.ProcessEnv>;
  stop(): Promise<void>;
}


/** Whether this machine has the KDC programs. */
export async function haveKdc(): Promise<boolean> {
  try {
    await run('sh', ['-c', 'command -v /usr/sbin/krb5kdc && command -v /usr/sbin/kadmin.local && command -v kinit']);
    return true;
  } catch {
    return false;
  }
}

/** Start a KDC for `realm` (default TEST.PGSS) on a free loopback port. */
export async function startKdc(realm = 'TEST.PGSS'): Promise<Kdc> {
  const dir = await mkdtemp(join(tmpdir(), 'pgss-kdc-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'krb5.conf');
  const kdcConf = join(dir, 'kdc.conf');
  const rcache = join(dir, 'rcache');
  await writeFile(
    conf,
    `[libdefaults]\n default_realm = ${realm}\n dns_lookup_kdc = false\n dns_lookup_realm = false\n rdns = false\n dns_canonicalize_hostname = false\n\n[realms]\n ${realm} = {\n  kdc = 127.0.0.1:${port}\n }\n\n[domain_realm]\n localhost = ${realm}\n`,
    { mode: 0o644 },
  );
  await writeFile(
    kdcConf,
    `[kdcdefaults]\n kdc_listen = 127.0.0.1:${port}\n kdc_tcp_listen = 127.0.0.1:${port}\n\n[realms]\n ${realm} = {\n  database_name = ${join(dir, 'principal')}\n  key_stash_file = ${join(dir, 'stash')}\n  acl_file = ${join(dir, 'kadm5.acl')}\n  kdc_listen = 127.0.0.1:${port}\n  kdc_tcp_listen = 127.0.0.1:${port}\n }\n`,
    { mode: 0o644 },
  );
  await writeFile(join(dir, 'kadm5.acl'), '');
  await run('mkdir', ['-m', '0777', rcache]);
  const env: NodeJS.ProcessEnv = { ...process.env, KRB5_CONFIG: conf, KRB5_KDC_PROFILE: kdcConf, KRB5RCACHEDIR: rcache, KRB5CCNAME: `FILE:${join(dir, 'ccache-default')}` };
  await run('/usr/sbin/kdb5_util', ['-r', realm, '-P', 'master key for tests', 'create', '-s'], { env });
  const kdc: ChildProcess = spawn('/usr/sbin/krb5kdc', ['-n', '-r', realm], { env, stdio: 'ignore' });
  const kadmin = (q: string) => run('/usr/sbin/kadmin.local', ['-r', realm, '-q', q], { env });
  let users = 0;
  return {
    realm,
    dir,
    env,
    async keytab(principal, file) {
      await kadmin(`addprinc -randkey ${principal}`);
      await kadmin(`ktadd -k ${file} ${principal}`);
    },
    async addUser(principal, password) {
      await kadmin(`addprinc -pw "${password}" ${principal}`);
    },
    async kinit(principal, password) {
      const cache = join(dir, `ccache-${++users}`);
      const userEnv = { ...env, KRB5CCNAME: `FILE:${cache}` };
      // The KDC may take a moment to bind: kinit is retried until it answers (bounded).
      let last: unknown;
      for (let i = 0; i < 50; i++) {
        try {
          await new Promise<void>((resolve, reject) => {
            const p = spawn('kinit', [principal], { env: userEnv, stdio: ['pipe', 'ignore', 'pipe'] });
            let err = '';
            p.stderr.on('data', (d) => (err += d));
            p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(err))));
            p.stdin.end(`${password}\n`);
          });
          await chown(cache, 0, 0).catch(() => undefined);
          return userEnv;
        } catch (e) {
          last = e;
          if (!/Cannot contact any KDC/.test(String(e))) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw last;
    },
    async stop() {
      kdc.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
