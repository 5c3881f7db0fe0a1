/**
 * `source` with `onMessage` told about every message taken from it and `onEnd` once, when the
 * iteration ends: `error` undefined after the last message, the error when it failed, and
 * `'returned'` when the consumer stopped early.
 */
export function countingIterable(
  source: AsyncIterable<Uint8Array>,
  onMessage: (message: Uint8Array) => void,
  onEnd: (outcome: { error?: unknown; returned?: boolean }) => void = () => undefined,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      const iterator = source[Symbol.asyncIterator]();
      let ended = false;
      const end = (outcome: { error?: unknown; returned?: boolean }): void => {
        if (ended) return;
        ended = true;
        onEnd(outcome);
      };
      return {
        next: () =>
          iterator.next().then(
            (result) => {
              if (result.done) end({});
              else onMessage(result.value);
              return result;
            },
            (error: unknown) => {
              end({ error });
              throw error;
            },
          ),
        return: (value?: unknown) => {
          end({ returned: true });
          return iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}
