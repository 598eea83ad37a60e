/** What every subcommand looks like to cli.ts. */
export interface Command {
  readonly name: string;
  /** One line for the command list in --help. */
  readonly summary: string;
  /** Full --help text. */
  readonly help: () => string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  readonly run: (argv: string[]) => Promise<number>;
}
