/** The `rpcnet` CLI's exit codes; scripts may rely on them. */
export const EXIT_CODES = Object.freeze({
  /** The command did what was asked. */
  ok: 0,
  /** Something unexpected failed (the message says what). */
  failed: 1,
  /** The command line is wrong: unknown command or option, missing or malformed argument. */
  usage: 2,
  /** The seed, endpoint or RPC address could not be reached, or refused the credentials. */
  unreachable: 3,
  /** `call` reached the server and the call ended with an RPC error. */
  callFailed: 4,
});

/** A failure that ends the command with `exitCode` and prints `message` to stderr. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command-line mistake (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(EXIT_CODES.usage, message);
}
