import { callCommand } from './call-command.js';
import { certCommand } from './cert-command.js';
import type { CliIo } from './cli-io.js';
import { CliError, EXIT_CODES } from './exit-codes.js';
import { membersCommand } from './members-command.js';
import { watchCommand } from './watch-command.js';

export const HELP = `rpcnet: look at and talk to an rpcnet cluster.

Usage: rpcnet <command> [options]     (rpcnet <command> --help for its options)

Commands:
  members   list the members once: rpcnet members --seed 127.0.0.1:7946
  watch     a live member table, redrawn in place: rpcnet watch --endpoint http://127.0.0.1:7980/
  call      one unary call: rpcnet call 127.0.0.1:50051 Echo/Say '{"text":"hi"}' --ca cert.pem
  cert      write a development certificate: rpcnet cert --out ./certs

Every command takes --json (machine-readable output) and --help.

Exit codes:
  0  success
  1  unexpected failure (the message says what)
  2  bad usage: unknown command or option, missing or malformed argument
  3  unreachable: the seed, endpoint or address did not answer, or refused the credentials
  4  call: the server answered with an RPC error`;

/** Runs the CLI with `args` (without `node` and the script) and returns the exit code. */
export async function main(
  args: readonly string[],
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'members':
        return await membersCommand(rest, io);
      case 'watch':
        return await watchCommand(rest, io, signal ?? interruptSignal());
      case 'call':
        return await callCommand(rest, io);
      case 'cert':
        return await certCommand(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(`${HELP}\n`);
        return command === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
      default:
        io.stderr.write(`rpcnet: unknown command "${command}"\n\n${HELP}\n`);
        return EXIT_CODES.usage;
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`rpcnet ${command}: ${error.message}\n`);
      return error.exitCode;
    }
    // parseArgs reports unknown options and missing values with these codes.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(
        `rpcnet ${command}: ${(error as Error).message} (see rpcnet ${command} --help)\n`,
      );
      return EXIT_CODES.usage;
    }
    io.stderr.write(
      `rpcnet ${command}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EXIT_CODES.failed;
  }
}

/** Aborts on the first Ctrl-C (SIGINT) or SIGTERM, so `watch` leaves the cluster cleanly. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
