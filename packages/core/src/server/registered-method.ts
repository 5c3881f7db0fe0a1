import type { MethodHandler } from '../handlers.js';
import type { ServerCallFn } from './server-interceptor.js';

/** A method as the server holds it: the handler, and the interceptor chain around it if any. */
export interface RegisteredMethod {
  readonly registration: MethodHandler;
  /** Undefined without interceptors, so plain calls pay nothing for them. */
  readonly intercepted: ServerCallFn | undefined;
}
