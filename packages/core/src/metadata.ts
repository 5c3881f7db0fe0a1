/** Per-call key/value pairs sent alongside requests and responses (headers and trailers). */
export type Metadata = Readonly<Record<string, string>>;

/** Metadata with no entries. */
export const emptyMetadata: Metadata = Object.freeze({});

/** Copies `metadata` into a frozen plain object, dropping non-string values. */
export function toMetadata(metadata: Record<string, unknown> | undefined | null): Metadata {
  if (metadata === undefined || metadata === null) return emptyMetadata;
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') continue;
    out ??= {};
    out[key] = value;
  }
  // Most calls carry none: one shared object, which lets their promises be shared too.
  return out === undefined ? emptyMetadata : Object.freeze(out);
}
