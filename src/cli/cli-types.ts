// What every CLI command looks like, and the errors that map to exit codes.
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Bad usage or bad config: exit 2. */
export class UsageError extends Error {}
/** The action was tried and failed: exit 1. */
export class ActionFailed extends Error {}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
