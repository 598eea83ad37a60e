/**
 * The pg_hba.conf rules of a bundle, in the order they must stand: first
 * match wins (20.1 The pg_hba.conf File), so local administration first,
 * then the plaintext refusal, then the TLS rules.
 */
import { CLIENT_CERT_MODES, type Answers } from '../answers/answers.js';
import type { HbaRule } from '../hba/index.js';
import { replicationRoleRules } from './replication-rules.js';

/** A rule with the short comment written above it. */
export interface PlannedRule {
  readonly rule: HbaRule;
  readonly comment: string;
}

function tlsMethod(a: Pick<Answers, 'clientCerts'>): Pick<HbaRule, 'method' | 'options'> {
  switch (a.clientCerts) {
    case 'none':
      return { method: 'scram-sha-256', options: [] };
    case 'verify-ca':
    case 'verify-full':
      return { method: 'scram-sha-256', options: [['clientcert', a.clientCerts]] };
    case 'cert':
      // The cert method implies clientcert=verify-full; verify-ca is not allowed with it (20.12).
      return { method: 'cert', options: [] };
  }
}

function describe(a: Pick<Answers, 'clientCerts'>): string {
  switch (a.clientCerts) {
    case 'none':
      return 'TLS and a SCRAM password';
    case 'verify-ca':
      return 'TLS, a client certificate from our CA, and a SCRAM password';
    case 'verify-full':
      return 'TLS, a client certificate whose CN is the role, and a SCRAM password';
    case 'cert':
      return 'TLS and a client certificate whose CN is the role (no password)';
  }
}

/** The rules for the answers; with several servers the replication role's come from their addresses (replication-rules.ts). */
export function planHbaRules(a: Pick<Answers, 'clientCerts' | 'refusePlaintext' | 'networks' | 'replicationUser' | 'servers'>): PlannedRule[] {
  const rules: PlannedRule[] = [
    {
      rule: { type: 'local', databases: ['all'], users: ['all'], method: 'peer', options: [] },
      comment: 'Local administration over the Unix socket: the OS user must match the role (peer), so the administrator keeps a way in.',
    },
  ];
  rules.push(...replicationRoleRules(a));
  if (a.refusePlaintext) {
    rules.push(
      {
        rule: { type: 'hostnossl', databases: ['all'], users: ['all'], address: 'all', method: 'reject', options: [] },
        comment: 'Refuse every TCP connection that is not encrypted, whatever rules follow.',
      },
      {
        // The `all` keyword never matches replication connections (20.1), so they need their own refusal.
        rule: { type: 'hostnossl', databases: ['replication'], users: ['all'], address: 'all', method: 'reject', options: [] },
        comment: 'The same for replication connections, which `all` does not cover.',
      },
    );
  }
  const method = tlsMethod(a);
  for (const net of a.networks) {
    rules.push({
      rule: { type: 'hostssl', databases: ['all'], users: ['all'], address: net, ...method },
      comment: `Clients from ${net}: ${describe(a)}.`,
    });
  }
  for (const net of a.networks) {
    rules.push({
      // `all` does not cover replication connections: they need their own rule (20.1).
      rule: { type: 'hostssl', databases: ['replication'], users: ['all'], address: net, ...method },
      comment: `Replication from ${net}: the same requirements.`,
    });
  }
  return rules;
}

/** A rule's type, method and options as one string, e.g. "hostssl scram-sha-256 clientcert=verify-full". */
export function ruleShape(rule: Pick<HbaRule, 'type' | 'method' | 'options'>): string {
  return [rule.type, rule.method, ...rule.options.map(([k, v]) => `${k}=${v}`).sort()].join(' ');
}

/** Every rule shape planHbaRules can write, whatever the answers. */
export function bundleRuleShapes(): ReadonlySet<string> {
  const shapes = new Set<string>();
  for (const clientCerts of CLIENT_CERT_MODES) {
    for (const refusePlaintext of [true, false]) {
      for (const r of planHbaRules({ clientCerts, refusePlaintext, networks: ['all'], replicationUser: 'replicator' })) shapes.add(ruleShape(r.rule));
    }
  }
  return shapes;
}
