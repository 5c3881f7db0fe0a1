import { z } from 'zod';
import { type DemoScenario, scenarioNamed } from './demo-scenarios.js';

/** How the demo runs; from the command line, else the environment, else the defaults. */
export interface DemoOptions {
  /** Seconds the client runs once all workers are up (`--duration`, `DEMO_DURATION_S`). Default 40. */
  readonly durationS: number;
  /** Redrawn table (`tty`) or plain lines (`plain`); default: `tty` when stdout is a terminal. */
  readonly view: 'tty' | 'plain';
  /** Concurrent client sessions (`--sessions`, `CLIENT_SESSIONS`). Default 3. */
  readonly sessions: number;
  /** Which example runs: `pnpm demo swap`, `--example connection_swap`. Default `cluster`. */
  readonly scenario: DemoScenario;
}

const optionsSchema = z.object({
  durationS: z.coerce.number().positive().max(3600).default(40),
  view: z.enum(['tty', 'plain']),
  sessions: z.coerce.number().int().min(1).max(64).default(3),
});

const USAGE =
  'usage: pnpm demo [cluster | swap] [--example cluster|swap] [--duration <seconds>] [--sessions <n>] [--plain]\n' +
  'environment: DEMO_DURATION_S, CLIENT_SESSIONS, RPCNET_LOG, WORKER_RUN_MS, WORKER_WARNING_MS,\n' +
  '             WORKER_FAILED_MS, WORKER_RECOVERING_MS, TOKEN_INTERVAL_MS';

/** Parses `argv` (after the script name) and the environment; throws naming a bad option. */
export function parseDemoOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  isTty: boolean,
): DemoOptions {
  const raw: Record<string, string | undefined> = {
    durationS: env.DEMO_DURATION_S || undefined,
    sessions: env.CLIENT_SESSIONS || undefined,
    view: isTty ? 'tty' : 'plain',
  };
  let scenario = scenarioNamed('cluster');
  const pickScenario = (name: string): void => {
    try {
      scenario = scenarioNamed(name);
    } catch (error) {
      throw new Error(`--example: ${error instanceof Error ? error.message : error}\n${USAGE}`);
    }
  };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    const [flag, inline] = (argument ?? '').split('=', 2);
    const value = (): string => {
      const next = inline ?? argv[++index];
      if (next === undefined) throw new Error(`${flag}: expected a value\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--duration':
        raw.durationS = value();
        break;
      case '--sessions':
        raw.sessions = value();
        break;
      case '--plain':
        raw.view = 'plain';
        break;
      case '--example':
        pickScenario(value());
        break;
      case '--':
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        if (argument !== undefined && !argument.startsWith('-')) {
          pickScenario(argument);
          break;
        }
        throw new Error(`unknown option ${argument}\n${USAGE}`);
    }
  }
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field =
      issue?.path[0] === 'durationS'
        ? '--duration / DEMO_DURATION_S'
        : '--sessions / CLIENT_SESSIONS';
    throw new Error(`${field}: ${issue?.message ?? 'invalid'}`);
  }
  return { ...parsed.data, scenario };
}
