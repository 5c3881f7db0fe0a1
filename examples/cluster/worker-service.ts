import { defineService, jsonCodec, serverStreamMethod, unaryMethod } from 'rpcnet';

/** Numbers to crunch. */
export interface ComputeRequest {
  readonly numbers: readonly number[];
}

/** The sum of squares of the numbers, and who computed it. */
export interface ComputeReply {
  readonly result: number;
  readonly worker: string;
}

/** Asks for tokens `from` .. `count - 1` of the answer to `prompt` (from > 0 continues a stream). */
export interface GenerateRequest {
  readonly prompt: string;
  readonly from: number;
  readonly count: number;
}

/** One generated token; `index` is its position in the whole answer. */
export interface Token {
  readonly index: number;
  readonly text: string;
  readonly worker: string;
}

/** What every cluster example worker serves. */
export const workerService = defineService('worker', {
  compute: unaryMethod(jsonCodec<ComputeRequest>(), jsonCodec<ComputeReply>()),
  generate: serverStreamMethod(jsonCodec<GenerateRequest>(), jsonCodec<Token>()),
});

const WORDS = [
  'gossip',
  'spreads',
  'news',
  'of',
  'every',
  'member',
  'while',
  'phi',
  'watches',
  'the',
  'silence',
  'between',
  'heartbeats',
  'and',
  'quic',
  'streams',
  'carry',
  'tokens',
  'home',
  'fast',
];

/**
 * The token at `index` of the answer to `prompt`. Deterministic, so any worker continues a stream
 * another worker started with exactly the tokens the first one would have sent.
 */
export function tokenAt(prompt: string, index: number): string {
  let hash = 0;
  for (const char of prompt) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return WORDS[(hash + index * 7) % WORDS.length] ?? 'token';
}
