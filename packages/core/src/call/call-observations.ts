import type { Logger } from '@rpcnet/base';
import type { CallObservation, CallObserver, CallOutcome, ObservedCall } from '../call-observer.js';

/**
 * The observers of one side (server or client), told about each call and guarded: an observer's
 * throw is logged, never the call's failure. One observer (the usual case) costs no array.
 */
export class CallObservers {
  readonly #observers: readonly CallObserver[];
  readonly #logger: Logger;

  constructor(observers: readonly CallObserver[], logger: Logger) {
    this.#observers = observers;
    this.#logger = logger;
  }

  /** Tells every observer `call` started; what to tell when it ends (undefined: nobody). */
  started(call: ObservedCall): CallObservation | undefined {
    if (this.#observers.length === 1) return this.#start(this.#observers[0] as CallObserver, call);
    const observations: CallObservation[] = [];
    for (const observer of this.#observers) {
      const observation = this.#start(observer, call);
      if (observation !== undefined) observations.push(observation);
    }
    if (observations.length === 0) return undefined;
    return { ended: (outcome) => this.#endAll(observations, outcome) };
  }

  /** Tells `observation` how its call ended. */
  ended(observation: CallObservation, outcome: CallOutcome): void {
    try {
      observation.ended(outcome);
    } catch (error) {
      this.#failed(error);
    }
  }

  #start(observer: CallObserver, call: ObservedCall): CallObservation | undefined {
    try {
      return observer.started(call);
    } catch (error) {
      this.#failed(error);
      return undefined;
    }
  }

  #endAll(observations: readonly CallObservation[], outcome: CallOutcome): void {
    for (const observation of observations) this.ended(observation, outcome);
  }

  #failed(error: unknown): void {
    this.#logger.warn('rpc call observer threw', {
      message: error instanceof Error ? error.message : String(error),
    });
  }
}
