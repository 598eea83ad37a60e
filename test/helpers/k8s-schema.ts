/**
 * The published object schemas, for checking what `export` writes: core/v1
 * Secret from kubernetes-models and CloudNativePG's Cluster CRD from
 * @kubernetes-models/cloudnative-pg (both devDependencies, pinned; their
 * validate() runs the OpenAPI schema the API server would apply).
 */
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1';
import { Secret } from 'kubernetes-models/v1';

type Obj = Record<string, unknown>;

/** The schema's complaint about one parsed object, or undefined when it validates. */
export function schemaProblem(o: Obj): string | undefined {
  const id = `${String(o.apiVersion)} ${String(o.kind)}`;
  try {
    if (id === 'v1 Secret') new Secret(o as ConstructorParameters<typeof Secret>[0]).validate();
    else if (id === 'postgresql.cnpg.io/v1 Cluster') new Cluster(o as ConstructorParameters<typeof Cluster>[0]).validate();
    else return `${id}: no schema for this kind`;
  } catch (e) {
    return `${id}: ${(e as Error).message}`;
  }
  return undefined;
}
