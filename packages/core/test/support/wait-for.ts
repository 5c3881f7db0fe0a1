/** Polls `condition` until it holds, failing after `timeoutMs` (no fixed sleeps in tests). */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 5000,
  description = 'condition',
): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Encodes text as bytes. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Decodes bytes as text. */
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** Resolves with the rejection of `promise`, failing if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
