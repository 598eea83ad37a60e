/**
 * A small YAML writer for the objects export makes: maps, lists, strings,
 * numbers. Every string is written double-quoted (a JSON string is a valid
 * YAML 1.2 flow scalar), so no value can be read back as another type.
 */

/** A value export can write. */
export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

function key(k: string): string {
  return PLAIN_KEY.test(k) ? k : JSON.stringify(k);
}

function scalar(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function isMap(v: YamlValue): v is { readonly [key: string]: YamlValue | undefined } {
  return typeof v === 'object' && !Array.isArray(v);
}

function isEmpty(v: YamlValue): boolean {
  return Array.isArray(v) ? v.length === 0 : isMap(v) && Object.values(v).every((x) => x === undefined);
}

function block(v: YamlValue, indent: string): string[] {
  if (Array.isArray(v)) {
    return v.flatMap((item: YamlValue) => {
      if (typeof item !== 'object' || isEmpty(item)) return [`${indent}- ${inline(item)}`];
      const [first = '', ...rest] = block(item, indent + '  ');
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  }
  if (isMap(v)) {
    return Object.entries(v).flatMap(([k, x]) => {
      if (x === undefined) return [];
      if (typeof x !== 'object' || isEmpty(x)) return [`${indent}${key(k)}: ${inline(x)}`];
      // Lists sit at the key's own indentation, as kubectl writes them.
      return [`${indent}${key(k)}:`, ...block(x, Array.isArray(x) ? indent : indent + '  ')];
    });
  }
  return [`${indent}${scalar(v as string | number | boolean)}`];
}

function inline(v: YamlValue): string {
  if (Array.isArray(v)) return '[]';
  if (isMap(v)) return '{}';
  return scalar(v as string | number | boolean);
}

/** One YAML document for `value`, ending in a newline. */
export function toYaml(value: YamlValue): string {
  return block(value, '').join('\n') + '\n';
}

/** Several documents in one stream, each opened by `---`. */
export function toYamlStream(values: readonly YamlValue[], header: readonly string[] = []): string {
  return header.map((l) => `# ${l}\n`).join('') + values.map((v) => `---\n${toYaml(v)}`).join('');
}
