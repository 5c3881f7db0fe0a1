import type { MethodHandler } from '../handlers.js';
import type { ServerCallFn } from './server-interceptor.js';

/** A method as the server holds it: the handler, and the interceptor chain around it. */
export interface RegisteredMethod {
  readonly registration: MethodHandler;
  /** The built-in counters, then the server's interceptors, around the handler. */
  readonly chain: ServerCallFn;
}
