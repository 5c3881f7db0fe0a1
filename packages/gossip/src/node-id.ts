import type { RandomSource } from '@rpcnet/base';
import { customRandom, nanoid, urlAlphabet } from 'nanoid';
import type { NodeId } from './node.js';

/** Length of generated node ids (nanoid's default: 126 bits of randomness). */
export const NODE_ID_LENGTH = 21;

/**
 * A fresh node id (a nanoid). With `random`, ids come from that source instead of the OS CSPRNG,
 * which makes simulations reproducible; production callers pass nothing.
 */
export function createNodeId(random?: RandomSource): NodeId {
  if (random === undefined) return nanoid(NODE_ID_LENGTH);
  const generate = customRandom(urlAlphabet, NODE_ID_LENGTH, (bytes) => {
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) out[i] = Math.floor(random() * 256);
    return out;
  });
  return generate();
}
