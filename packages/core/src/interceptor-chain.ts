import { z } from 'zod';

/** Accepts a list of interceptor functions. */
export const interceptorsSchema = z.array(
  z.custom<(next: never) => unknown>((value) => typeof value === 'function', {
    message: 'expected an interceptor function (next) => (request) => ...',
  }),
);

/**
 * `interceptors` wrapped around `last`, the first outermost; undefined when there are none. The
 * `next` each interceptor gets never throws: a synchronous throw further in arrives as a
 * rejection, so no interceptor needs its own try/catch around `next(request)`.
 */
export function chainInterceptors<R, T>(
  interceptors:
    | readonly ((next: (request: R) => Promise<T>) => (request: R) => Promise<T>)[]
    | undefined,
  last: (request: R) => Promise<T>,
): ((request: R) => Promise<T>) | undefined {
  if (interceptors === undefined || interceptors.length === 0) return undefined;
  let next = rejectingThrows(last);
  for (let index = interceptors.length - 1; index >= 0; index -= 1) {
    next = rejectingThrows(interceptors[index]!(next));
  }
  return next;
}

function rejectingThrows<R, T>(call: (request: R) => Promise<T>): (request: R) => Promise<T> {
  return (request) => {
    try {
      return call(request);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
