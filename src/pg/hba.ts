/**
 * pg_hba.conf (Client Authentication, "The pg_hba.conf File"): the record
 * model, a parser and writer that round-trip any text byte for byte, edits
 * that leave untouched lines alone, and a lint. Pure: no I/O.
 *
 *   hba-model.ts    HbaRule, HBA_TYPES, formatRule
 *   hba-lex.ts      logical lines and tokens, as the server reads them
 *   hba-record.ts   a line's record, or why the server rejects it
 *   hba-parse.ts    parseHba / serializeHba and the line views
 *   hba-edit.ts     insertRules, rewriteMd5ToScram, ensureLocalAdmin
 *   hba-trust.ts    the trust and password records apply closes
 *   hba-access.ts   who can still log in under a file (lock-out check)
 *   hba-lint.ts     lintHba
 *   hba-address.ts  IP addresses, CIDR masks, containment
 */
export { HBA_TYPES, formatRule, type HbaRule, type HbaType } from './hba-model.js';
export {
  HBA_INCLUDE_DIRECTIVES,
  hbaRecords,
  parseHba,
  serializeHba,
  tokenizeHbaLine,
  type HbaBlankLine,
  type HbaCommentLine,
  type HbaDocument,
  type HbaEol,
  type HbaErrorCode,
  type HbaField,
  type HbaIncludeDirective,
  type HbaIncludeLine,
  type HbaInvalidLine,
  type HbaLine,
  type HbaRecordLine,
  type HbaToken,
} from './hba-parse.js';
export { HbaEditError, blockMarkers, ensureLocalAdmin, insertRules, rewriteMd5ToScram, rewriteMethods, type InsertRulesOptions } from './hba-edit.js';
export { closeOpenRules, openRules, type OpenRule } from './hba-trust.js';
export { whoGetsIn, type LoginRole, type WayIn, type AccessContext, type Verdict } from './hba-access.js';
export { HBA_LINT_CODES, lintHba, type HbaFinding, type HbaLintCode, type HbaSeverity, type LintHbaOptions } from './hba-lint.js';
