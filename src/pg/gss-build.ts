/**
 * Whether a server was built with GSSAPI (18.10 needs configure
 * --with-gssapi): the pg_config view's CONFIGURE line, which superusers and
 * pg_read_all_settings members may read.
 */
import { connect, resolveConnection } from './server.js';

/** true / false when the server says, undefined when it cannot be asked (no privilege). */
export async function serverBuiltWithGssapi(conninfo: string | undefined): Promise<boolean | undefined> {
  const s = await connect(resolveConnection(conninfo === undefined ? {} : { connect: conninfo }));
  try {
    const rows = await s.query<{ setting: string }>("SELECT setting FROM pg_catalog.pg_config WHERE name = 'CONFIGURE'");
    return rows.length === 0 ? undefined : /--with-gssapi\b/.test(rows[0]!.setting);
  } catch {
    return undefined;
  } finally {
    await s.end();
  }
}
