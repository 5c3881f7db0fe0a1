import { parseArgs } from 'node:util';
import { MANAGEMENT_API_VERSION } from '@rpcnet/management';
import type { CliIo } from './cli-io.js';
import { COMMON_OPTIONS, millisecondsOption, SOURCE_OPTIONS } from './common-options.js';
import { EXIT_CODES, usageError } from './exit-codes.js';
import { type MemberSourceOptions, openMemberSource } from './member-source.js';
import { formatMemberTable, formatStateCounts } from './member-table.js';

export const MEMBERS_HELP = `Usage: rpcnet members (--seed host:port ... | --endpoint URL) [options]

Lists the members of a cluster once and exits.

  --seed host:port    join through this member as a short-lived observer (repeatable); the
                      observer leaves again before the command exits
  --endpoint URL      read a management endpoint instead, e.g. http://127.0.0.1:7980/
  --token TOKEN       the endpoint's bearer token (or RPCNET_MANAGEMENT_TOKEN)
  --secret SECRET     the cluster's gossip secret, when it has one (or RPCNET_GOSSIP_SECRET)
  --bind HOST         interface the observer binds (default 127.0.0.1 for loopback seeds,
                      else 0.0.0.0)
  --timeout MS        give up joining or reaching the endpoint after MS (default 5000)
  --json              print {"version":1,"source":...,"members":[...]} instead of a table
  -h, --help          this help

Exit codes: 0 listed, 2 bad usage, 3 seed or endpoint unreachable (or token refused).`;

/** `rpcnet members`. */
export async function membersCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...COMMON_OPTIONS, ...SOURCE_OPTIONS },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${MEMBERS_HELP}\n`);
    return EXIT_CODES.ok;
  }
  const source = await openMemberSource(sourceOptions(values, io));
  try {
    const members = await source.read();
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ version: MANAGEMENT_API_VERSION, source: source.kind, members })}\n`,
      );
    } else {
      io.stdout.write(`${formatMemberTable(members)}\n${formatStateCounts(members)}\n`);
    }
  } finally {
    await source.close();
  }
  return EXIT_CODES.ok;
}

/** The member source that `--seed` or `--endpoint` names (exactly one of them). */
export function sourceOptions(
  values: {
    seed?: string[] | undefined;
    endpoint?: string | undefined;
    token?: string | undefined;
    secret?: string | undefined;
    bind?: string | undefined;
    timeout?: string | undefined;
  },
  io: CliIo,
): MemberSourceOptions {
  const timeoutMs = millisecondsOption('timeout', values.timeout, 5000);
  const seeds = values.seed ?? [];
  if (seeds.length > 0 && values.endpoint !== undefined) {
    throw usageError('give either --seed or --endpoint, not both');
  }
  if (values.endpoint !== undefined) {
    return {
      endpoint: values.endpoint,
      token: values.token ?? nonEmpty(io.env.RPCNET_MANAGEMENT_TOKEN),
      timeoutMs,
    };
  }
  if (seeds.length === 0)
    throw usageError('say where the cluster is: --seed host:port or --endpoint URL');
  return {
    seeds,
    secret: values.secret ?? nonEmpty(io.env.RPCNET_GOSSIP_SECRET),
    bind: values.bind,
    timeoutMs,
  };
}

/** An environment variable's value; set but empty counts as unset. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
