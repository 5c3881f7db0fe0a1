import { createSeededRandom as seededRandom } from '@rpcnet/base';

/** A seeded PRNG (the simulation kit's mulberry32) so every fuzz run is reproducible from its seed. */
export { seededRandom };

/** Uniform integer in [0, max). */
const below = (random: () => number, max: number): number => Math.floor(random() * max);

/** `length` random bytes. */
export function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = below(random, 256);
  return bytes;
}

/** Bytes that are interesting to a protobuf reader: varint continuation, max values, tags. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0xfe];

/**
 * One random mutation of `input`: flip bits, overwrite with interesting bytes, truncate, insert
 * random bytes, duplicate or delete a slice, or splice two inputs.
 */
export function mutate(random: () => number, input: Uint8Array, other: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(input);
  const at = (): number => below(random, Math.max(1, bytes.length));
  switch (below(random, 7)) {
    case 0: {
      for (let flips = 1 + below(random, 4); flips > 0 && bytes.length > 0; flips -= 1) {
        const index = at();
        bytes[index] = bytes[index]! ^ (1 << below(random, 8));
      }
      return bytes;
    }
    case 1: {
      if (bytes.length > 0) bytes[at()] = INTERESTING[below(random, INTERESTING.length)]!;
      return bytes;
    }
    case 2:
      return bytes.subarray(0, below(random, bytes.length + 1));
    case 3: {
      const index = at();
      const noise = randomBytes(random, 1 + below(random, 16));
      return concat(bytes.subarray(0, index), noise, bytes.subarray(index));
    }
    case 4: {
      const start = at();
      const end = Math.min(bytes.length, start + 1 + below(random, 32));
      return concat(bytes.subarray(0, end), bytes.subarray(start, end), bytes.subarray(end));
    }
    case 5: {
      const start = at();
      return concat(bytes.subarray(0, start), bytes.subarray(start + 1 + below(random, 8)));
    }
    default:
      return concat(bytes.subarray(0, at()), other.subarray(below(random, other.length + 1)));
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
