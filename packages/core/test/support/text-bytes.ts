/** Encodes text as bytes. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Decodes bytes as text. */
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);
