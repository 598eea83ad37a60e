/** Checks of the GSSAPI answers (18.10; 20.2 User Name Maps; 20.6 GSSAPI Authentication). */

/** One --gss-map entry: a Kerberos principal and the role it may log in as. */
export interface GssMapEntry {
  readonly principal: string;
  readonly role: string;
}

/** Why a realm cannot be used, or undefined. */
export function checkRealm(realm: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(realm)) return `"${realm}" is not a Kerberos realm (letters, digits, dots, hyphens; e.g. EXAMPLE.COM)`;
  return undefined;
}

/** Why a service name cannot be used, or undefined. */
export function checkSrvname(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) ? undefined : `"${name}" is not a service name (letters, digits, dots, hyphens)`;
}

/** Parse PRINCIPAL=ROLE; throws a message naming the problem. */
export function parseGssMap(text: string, realm: string): GssMapEntry {
  const eq = text.lastIndexOf('=');
  const principal = text.slice(0, eq).trim();
  const role = text.slice(eq + 1).trim();
  if (eq < 0 || !principal || !role) throw new Error(`"${text}" is not PRINCIPAL=ROLE (e.g. alice@${realm}=alice)`);
  if (/[\s"#\\,]/.test(principal) || /[\s"#\\,]/.test(role)) throw new Error(`"${text}": no spaces, quotes, commas, # or \\ in a principal or role`);
  const at = principal.lastIndexOf('@');
  if (at < 0) throw new Error(`"${principal}" needs its realm (${principal}@${realm}): the map compares the whole principal`);
  if (principal.slice(at + 1) !== realm) throw new Error(`"${principal}" is not in the realm ${realm}: only the site's realm maps onto roles`);
  return { principal, role };
}

