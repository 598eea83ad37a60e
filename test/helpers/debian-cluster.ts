/**
 * A throwaway cluster in Debian's layout: postgresql.conf, pg_hba.conf and
 * pg_ident.conf in a configuration directory with `include_dir = 'conf.d'`,
 * the data directory elsewhere, started the way pg_ctlcluster starts it
 * (`-D DATA -c config_file=CONF/postgresql.conf`, so postmaster.opts says so).
 */
import { execFile } from 'node:child_process';
import { appendFile, chmod, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { givePostgres, startCluster, type Cluster, type InitAuth } from './cluster.js';

const run = promisify(execFile);

export interface DebianCluster extends Cluster {
  /** Stands for /etc/postgresql/V/main. */
  readonly configDir: string;
  /** The include_dir, configDir/conf.d. */
  readonly confD: string;
}

export async function startDebianCluster(opts: { settings?: Record<string, string | number>; auth?: Exclude<InitAuth, 'md5-dbadmin'> } = {}): Promise<DebianCluster> {
  const base = await startCluster({ ...opts, start: false });
  const configDir = join(base.dir, 'etc', 'main');
  const confD = join(configDir, 'conf.d');
  await mkdir(confD, { recursive: true });
  for (const d of [join(base.dir, 'etc'), configDir, confD]) {
    await chmod(d, 0o755);
    await givePostgres(d);
  }
  for (const f of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) await rename(join(base.dataDir, f), join(configDir, f));
  const conf = join(configDir, 'postgresql.conf');
  // As pg_createcluster leaves them (seen in /etc/postgresql/15/main): pg_hba.conf and pg_ident.conf 0640.
  await run('chmod', ['0644', conf]);
  await run('chmod', ['0640', join(configDir, 'pg_hba.conf'), join(configDir, 'pg_ident.conf')]);
  await appendFile(
    conf,
    [
      '',
      '# Debian layout',
      `data_directory = '${base.dataDir}'`,
      `hba_file = '${join(configDir, 'pg_hba.conf')}'`,
      `ident_file = '${join(configDir, 'pg_ident.conf')}'`,
      "include_dir = 'conf.d'",
      '',
    ].join('\n'),
  );
  const cluster: DebianCluster = {
    ...base,
    configDir,
    confD,
    async start() {
      await base.pgCtl('-o', `-c config_file=${conf}`, '-l', base.logFile, '-w', '-t', '30', 'start');
    },
    async appendConf(text) {
      await appendFile(conf, `\n${text}\n`);
    },
  };
  await cluster.start();
  return cluster;
}
