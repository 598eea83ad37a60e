/** A real YAML parser for tests (js-yaml, a devDependency); no YAML library ships in the tool. */
import { createRequire } from 'node:module';

const jsYaml = createRequire(import.meta.url)('js-yaml') as { safeLoadAll(text: string): unknown[] };

/** Every document of a YAML stream, parsed with the YAML 1.2 core rules js-yaml applies. */
export function parseYamlStream(text: string): unknown[] {
  return jsYaml.safeLoadAll(text).filter((d) => d !== null && d !== undefined);
}
