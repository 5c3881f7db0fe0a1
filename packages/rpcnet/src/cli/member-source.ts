import { Cluster, ClusterError, parseClusterConfig } from '@rpcnet/gossip';
import { type MembersDocument, type MemberView, memberViews } from '@rpcnet/management';
import { CliError, EXIT_CODES, usageError } from './exit-codes.js';

/** Where `members` and `watch` read the cluster from. */
export type MemberSourceOptions =
  | {
      readonly seeds: readonly string[];
      readonly secret: string | undefined;
      readonly bind: string | undefined;
      readonly timeoutMs: number;
    }
  | { readonly endpoint: string; readonly token: string | undefined; readonly timeoutMs: number };

/** A view of the cluster's members that can be read again and closed. */
export interface MemberSource {
  /** `seed` (a short-lived observer member) or `endpoint` (a management endpoint). */
  readonly kind: 'seed' | 'endpoint';
  /** The members now, sorted by id (the observer itself left out). */
  read(): Promise<MemberView[]>;
  close(): Promise<void>;
}

/** Tags the observer carries, so operators see what it is in their own member lists. */
export const OBSERVER_TAGS = Object.freeze({ role: 'observer', label: 'rpcnet-cli' });

/** Opens the source: joins as an observer member, or checks that the endpoint answers. */
export async function openMemberSource(options: MemberSourceOptions): Promise<MemberSource> {
  if ('endpoint' in options) {
    const source = endpointSource(options.endpoint, options.token, options.timeoutMs);
    await source.read();
    return source;
  }
  return observerSource(options);
}

async function observerSource(
  options: Extract<MemberSourceOptions, { seeds: readonly string[] }>,
): Promise<MemberSource> {
  const loopback = options.seeds.every((seed) => /^(127\.|localhost:|\[::1\]:)/.test(seed));
  let config: ReturnType<typeof parseClusterConfig>;
  try {
    config = parseClusterConfig({
      bindAddr: options.bind ?? (loopback ? '127.0.0.1' : '0.0.0.0'),
      gossipPort: 0,
      seedNodes: [...options.seeds],
      joinTimeoutMs: options.timeoutMs,
      tags: { ...OBSERVER_TAGS },
      ...(options.secret === undefined ? {} : { secret: options.secret }),
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const cluster = new Cluster(config);
  try {
    await cluster.start();
    await cluster.join();
  } catch (error) {
    await cluster.stop();
    if (error instanceof ClusterError) {
      throw new CliError(
        EXIT_CODES.unreachable,
        `could not join through ${options.seeds.join(', ')}: ${error.message}`,
      );
    }
    throw error;
  }
  return {
    kind: 'seed',
    read: async () => memberViews(cluster).filter((member) => !member.self),
    // Leaving (not just stopping) tells the others at once that the observer is gone.
    close: () => cluster.leave().catch(() => cluster.stop()),
  };
}

function endpointSource(
  endpoint: string,
  token: string | undefined,
  timeoutMs: number,
): MemberSource {
  let url: URL;
  try {
    url = new URL('api/v1/members', endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  } catch {
    throw usageError(`--endpoint must be a URL such as http://127.0.0.1:7980/, not "${endpoint}"`);
  }
  return {
    kind: 'endpoint',
    read: async () => {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new CliError(
          EXIT_CODES.unreachable,
          `could not reach ${url.origin}: ${describe(error)}`,
        );
      }
      if (response.status === 401) {
        throw new CliError(
          EXIT_CODES.unreachable,
          `${url.origin} refused the request: it needs --token`,
        );
      }
      if (!response.ok) {
        throw new CliError(EXIT_CODES.unreachable, `${url.href} answered HTTP ${response.status}`);
      }
      const document = (await response.json()) as MembersDocument;
      return [...document.members];
    },
    close: async () => {},
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : error.message;
  }
  return String(error);
}
