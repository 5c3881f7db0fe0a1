import { z } from 'zod';

/** Accepts a list of interceptor functions. */
export const interceptorsSchema = z.array(
  z.custom<(next: never) => unknown>((value) => typeof value === 'function', {
    message: 'expected an interceptor function (next) => (request) => ...',
  }),
);

/** `interceptors` wrapped around `last`, the first outermost; undefined when there are none. */
export function chainInterceptors<F>(
  interceptors: readonly ((next: F) => F)[] | undefined,
  last: F,
): F | undefined {
  if (interceptors === undefined || interceptors.length === 0) return undefined;
  let next = last;
  for (let index = interceptors.length - 1; index >= 0; index -= 1) {
    next = interceptors[index]!(next);
  }
  return next;
}
