import { SUITE_NAMES, type SuiteName } from './report.js';

/** What `pnpm bench` was asked to do. */
export interface RunOptions {
  /** Suites to run, in the order of {@link SUITE_NAMES}. */
  readonly suites: readonly SuiteName[];
  /** Shorter windows, fewer sizes and trials: the whole run in under about two minutes. */
  readonly quick: boolean;
  /** Where latest.md, latest.json and the plots go. */
  readonly outDir: string;
  /** Run nothing: rewrite latest.md and the plots from latest.json. */
  readonly renderOnly: boolean;
  /**
   * Add 1,000-member clusters to the gossip suite: the gossip bench's row and the suspicion-rule
   * comparison (both rules, several seeds), which add tens of minutes of wall time.
   */
  readonly gossip1000: boolean;
}

/** Usage text of `pnpm bench`. */
export const USAGE = `usage: pnpm bench [--quick] [--only <suite>[,<suite>...]]... [--out <dir>] [--render-only] [--gossip-1000]
  suites: ${SUITE_NAMES.join(', ')} (default: all)
  --quick  shorter windows, fewer cluster sizes and failover trials (under 2 minutes)
  --gossip-1000  gossip suite also at 1,000 members: crash detection and 10% loss for both
           suspicion rules, formation over 20 seeds, bandwidth over a whole push-pull period
           (tens of minutes more; not with --quick)
  --out    results directory (default: bench/results)
  --render-only  run nothing; rewrite latest.md and the plots from latest.json`;

function isSuiteName(name: string): name is SuiteName {
  return (SUITE_NAMES as readonly string[]).includes(name);
}

/** Parses the command line; throws an Error naming the flag when one is wrong. */
export function parseRunOptions(argv: readonly string[], defaultOutDir: string): RunOptions {
  const only = new Set<SuiteName>();
  let quick = false;
  let renderOnly = false;
  let gossip1000 = false;
  let outDir = defaultOutDir;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--') continue;
    if (arg === '--quick') {
      quick = true;
    } else if (arg === '--render-only') {
      renderOnly = true;
    } else if (arg === '--gossip-1000') {
      gossip1000 = true;
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++index] : arg.slice('--only='.length);
      if (value === undefined || value.length === 0) throw new Error('--only needs a suite name');
      for (const name of value.split(',')) {
        if (!isSuiteName(name)) {
          throw new Error(`--only: unknown suite '${name}' (known: ${SUITE_NAMES.join(', ')})`);
        }
        only.add(name);
      }
    } else if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? argv[++index] : arg.slice('--out='.length);
      if (value === undefined || value.length === 0) throw new Error('--out needs a directory');
      outDir = value;
    } else {
      throw new Error(`unknown argument '${arg}'`);
    }
  }
  if (renderOnly && (quick || only.size > 0 || gossip1000)) {
    throw new Error('--render-only runs no suite: drop --quick, --only and --gossip-1000');
  }
  if (quick && gossip1000) {
    throw new Error('--gossip-1000 adds tens of minutes: drop --quick');
  }
  const suites = renderOnly
    ? []
    : only.size === 0
      ? [...SUITE_NAMES]
      : SUITE_NAMES.filter((name) => only.has(name));
  return { suites, quick, outDir, renderOnly, gossip1000 };
}
