/**
 * Audit feeds the wizard and generate: what a reachable server (or its
 * files) already answers. Pure: give it the AuditFacts that
 * `gatherLiveFacts` / `gatherFileFacts` (src/audit/gather-*.ts) return.
 *
 *   const facts = await gatherLiveFacts({ connect }, { hosts: [] });
 *   const pre = serverPrefill(facts);
 *   completeAnswers({ ...pre.answers, ...given }, env);   // given answers still win
 *   // skip the questions in pre.settled; show pre.md5Roles on the passwords step;
 *   // pass pre.paths to apply (--pgdata pre.paths.dataDirectory).
 */
import { PG_VERSIONS, TLS_VERSIONS, type Answers, type PgVersion, type TlsVersion } from '../answers/answers.js';
import { nextMigrationStep, type MigrationStep } from './migration.js';
import type { AuditFacts } from './types.js';

/** What the server answers, plus what the passwords step and apply need. */
export interface ServerPrefill {
  /** Answers the server settles: pgVersion from its major version; hosts its certificate already names; port it listens on; minTls when it already asks TLSv1.3. */
  answers: Partial<Answers>;
  /** Keys of `answers` the server decides outright: front ends need not ask them. */
  settled: (keyof Answers)[];
  /** Roles whose stored password is still MD5; undefined when not known (no superuser, or files only). */
  md5Roles?: string[];
  /** Where the MD5 to SCRAM migration stands (20.5). */
  migration: MigrationStep;
  /** Where the server keeps its files, as it reported them. */
  paths: { dataDirectory?: string; configFile?: string; hbaFile?: string };
}

/** Prefill for the wizard and generate from a server's facts. */
export function serverPrefill(facts: AuditFacts): ServerPrefill {
  const answers: Partial<Answers> = {};
  const settled: (keyof Answers)[] = [];
  if (facts.major !== undefined && (PG_VERSIONS as readonly number[]).includes(facts.major)) {
    answers.pgVersion = facts.major as PgVersion;
    settled.push('pgVersion');
  }
  const cert = facts.certificate;
  if (cert) {
    const names = [...new Set([...cert.dnsNames, ...cert.ipAddresses])];
    // Names clients already use keep working with the new certificate; a suggestion, still asked.
    if (names.length > 0) answers.hosts = names;
  }
  // The port clients dial: offered, still asked (a forwarded port or a pooler may differ).
  if (facts.port !== undefined) answers.port = facts.port;
  const min = facts.settings.ssl_min_protocol_version;
  if (min === 'TLSv1.3' && (TLS_VERSIONS as readonly string[]).includes(min)) answers.minTls = min as TlsVersion;
  return {
    answers,
    settled,
    ...(facts.md5Roles ? { md5Roles: [...facts.md5Roles] } : {}),
    migration: nextMigrationStep(facts),
    paths: {
      ...(facts.dataDirectory ? { dataDirectory: facts.dataDirectory } : {}),
      ...(facts.configFile ? { configFile: facts.configFile } : {}),
      ...(facts.hbaFile ? { hbaFile: facts.hbaFile } : {}),
    },
  };
}
