/**
 * pg_hba.conf (Client Authentication, "The pg_hba.conf File"): the record
 * model, a parser and writer that round-trip any text byte for byte, edits
 * that leave untouched lines alone, and a lint. Pure: no I/O.
 *
 *   model.ts        HbaRule, HBA_TYPES, formatRule
 *   lex.ts          logical lines and tokens, as the server reads them
 *   record.ts       a line's record, or why the server rejects it
 *   parse.ts        parseHba / serializeHba and the line views
 *   edit.ts         insertRules, rewriteMd5ToScram, ensureLocalAdmin
 *   lint.ts         lintHba
 *   address.ts      IP addresses, CIDR masks, containment
 */
export { HBA_TYPES, formatRule, type HbaRule, type HbaType } from './model.js';
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
} from './parse.js';
export { HbaEditError, blockMarkers, ensureLocalAdmin, insertRules, rewriteMd5ToScram, type InsertRulesOptions } from './edit.js';
export { HBA_LINT_CODES, lintHba, type HbaFinding, type HbaLintCode, type HbaSeverity, type LintHbaOptions } from './lint.js';
