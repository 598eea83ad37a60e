/** Bad input from the user: a clear message, exit code 2, nothing written. A subclass for a failure with an equally clear message may end with 1. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode: number = 2;
}

/** Problems found in answers, each naming the field. */
export class AnswersError extends UsageError {
  override name = 'AnswersError';
  constructor(readonly problems: { field: string; message: string }[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
  }
}
