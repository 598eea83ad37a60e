/**
 * The records of a server's pg_hba.conf that let a connection in without a
 * secret checked by the server, and what apply makes of them. Pure: no I/O.
 *
 * - `local ... trust` -> `local ... peer`, same databases and users: trust
 *   lets any OS user who can reach the socket in as any role it names (20.4
 *   Trust Authentication); peer asks the kernel who the OS user is and lets
 *   it in only as the role of the same name (20.9 Peer Authentication).
 * - `host*` records with `trust` or `password` -> `scram-sha-256`: over the
 *   network a password must be challenged, not sent as typed, and never
 *   skipped (20.5 Password Authentication). Replication records likewise.
 *
 * Databases, users and addresses stay as they were, so no connection starts
 * matching a different record (20.1: the first matching record decides).
 */
import { rewriteMethods } from './edit.js';
import type { HbaDocument, HbaRecordLine } from './parse.js';

/** A record that lets connections in without a checked secret, and the method apply gives it. */
export interface OpenRule {
  /** Line number in the document it was found in. */
  readonly line: number;
  /** The record as written. */
  readonly text: string;
  readonly type: string;
  readonly from: string;
  readonly to: string;
}

/** The method an open record becomes, or undefined when the record is not open. */
function closedMethod(line: HbaRecordLine): string | undefined {
  const { type, method } = line.rule;
  if (type === 'local') return method === 'trust' ? 'peer' : undefined;
  return method === 'trust' || method === 'password' ? 'scram-sha-256' : undefined;
}

/** The open records of a file, in file order. */
export function openRules(doc: HbaDocument): OpenRule[] {
  return doc.lines.flatMap((line) => {
    if (line.kind !== 'record') return [];
    const to = closedMethod(line);
    return to ? [{ line: line.lineNumber, text: line.text.trim(), type: line.rule.type, from: line.rule.method, to }] : [];
  });
}

/** Close every open record (see the file comment); line numbers do not move. */
export function closeOpenRules(doc: HbaDocument): { doc: HbaDocument; changes: OpenRule[] } {
  const changes = openRules(doc);
  return { doc: changes.length === 0 ? doc : rewriteMethods(doc, closedMethod), changes };
}
