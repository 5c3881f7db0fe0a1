import { parseArgs } from 'node:util';
import { MANAGEMENT_API_VERSION } from '@rpcnet/management';
import type { CliIo } from './cli-io.js';
import { COMMON_OPTIONS, millisecondsOption, SOURCE_OPTIONS } from './common-options.js';
import { EXIT_CODES, usageError } from './exit-codes.js';
import { openMemberSource } from './member-source.js';
import { formatMemberTable, formatStateCounts } from './member-table.js';
import { sourceOptions } from './members-command.js';

export const WATCH_HELP = `Usage: rpcnet watch (--seed host:port ... | --endpoint URL) [options]

Shows the members live, redrawing the table in place, until Ctrl-C.

  --seed, --endpoint, --token, --secret, --bind, --timeout   as for \`rpcnet members\`
  --interval MS       redraw every MS (default 1000)
  --count N           stop after N redraws (default: run until interrupted)
  --json              print one JSON document per redraw, one per line (NDJSON)
  -h, --help          this help

Exit codes: 0 stopped (Ctrl-C or --count reached), 2 bad usage, 3 seed or endpoint unreachable.`;

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/** `rpcnet watch`; `signal` ends it (Ctrl-C in the installed command). */
export async function watchCommand(
  args: readonly string[],
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...COMMON_OPTIONS,
      ...SOURCE_OPTIONS,
      interval: { type: 'string' },
      count: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${WATCH_HELP}\n`);
    return EXIT_CODES.ok;
  }
  const intervalMs = millisecondsOption('interval', values.interval, 1000);
  const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
  if (!(Number.isInteger(count) && count > 0) && count !== Number.POSITIVE_INFINITY) {
    throw usageError(`--count must be a positive whole number, not "${values.count}"`);
  }
  const source = await openMemberSource(sourceOptions(values, io));
  try {
    for (let frame = 0; frame < count && signal?.aborted !== true; frame++) {
      if (frame > 0) await pause(intervalMs, signal);
      if (signal?.aborted) break;
      const members = await source.read();
      if (values.json) {
        const document = {
          version: MANAGEMENT_API_VERSION,
          at: Date.now(),
          source: source.kind,
          members,
        };
        io.stdout.write(`${JSON.stringify(document)}\n`);
      } else {
        // In place on a terminal; frames one after another when piped.
        const heading = `rpcnet watch · ${new Date().toLocaleTimeString()} · ${formatStateCounts(members)}`;
        const text = `${heading}\n\n${formatMemberTable(members)}\n`;
        io.stdout.write(io.stdout.isTTY ? `${CLEAR_SCREEN}${text}` : `${text}\n`);
      }
    }
  } finally {
    await source.close();
  }
  return EXIT_CODES.ok;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
