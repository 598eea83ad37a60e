/** The generated files' text lives in templates/; this fills their {{placeholders}}. */

export const TEMPLATE_NAMES = [
  'apply.sh',
  'pg-secure-setup.conf',
  'pg_hba.conf',
  'README.md',
  'client-section.md',
  'passwords-scram.md',
  'passwords-cert.md',
  'ca-README.md',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** The text of every template, keyed by name (loaded by bundle/templates.ts). */
export type Templates = Readonly<Record<TemplateName, string>>;

/** Replace each {{name}} with its value; a placeholder without a value is a bug, so it throws. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return String(v);
  });
}
