/**
 * A promise with its settle functions, marked handled when rejected so an unobserved rejection
 * never crashes.
 */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  resolve(value: T): void;
  reject(error: unknown): void;
}

// Classes rather than closures: several exist per call, and shared prototype methods are cheaper.

class EagerDeferred<T> implements Deferred<T> {
  readonly promise: Promise<T>;
  settled = false;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(value);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#reject(error);
    // Marked handled only now: a handler added in the same turn as the rejection counts, and
    // the calls that succeed (most) make one promise less.
    this.promise.catch(ignore);
  }
}

function ignore(): void {}

/** A value and a promise resolved with it, made once and shared by every deferred it settles. */
export interface SharedResolution<T> {
  readonly value: T;
  readonly promise: Promise<T>;
}

/** A {@link SharedResolution} of `value`. */
export function sharedResolution<T>(value: T): SharedResolution<T> {
  return { value, promise: Promise.resolve(value) };
}

class LazyDeferred<T> implements Deferred<T> {
  settled = false;
  #ok = false;
  #value: T | undefined;
  #error: unknown;
  #promise: Promise<T> | undefined;
  #inner: EagerDeferred<T> | undefined;
  readonly #shared: SharedResolution<T> | undefined;

  constructor(shared: SharedResolution<T> | undefined) {
    this.#shared = shared;
  }

  get promise(): Promise<T> {
    if (this.#promise !== undefined) return this.#promise;
    if (!this.settled) {
      this.#inner = new EagerDeferred<T>();
      this.#promise = this.#inner.promise;
    } else if (this.#ok) {
      // Settled before anyone asked: no executor and resolvers, and the common value's
      // promise is shared.
      this.#promise =
        this.#shared !== undefined && this.#value === this.#shared.value
          ? this.#shared.promise
          : Promise.resolve(this.#value as T);
    } else {
      this.#promise = Promise.reject(this.#error);
      this.#promise.catch(ignore);
    }
    return this.#promise;
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.#ok = true;
    this.#value = value;
    this.#inner?.resolve(value);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#error = error;
    this.#inner?.reject(error);
  }
}

/** Creates a {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  return new EagerDeferred<T>();
}

/**
 * A {@link Deferred} whose promise is only made when someone asks for it: per-call results that
 * most callers never await (e.g. a unary call's headers) then cost no promise at all. Settled
 * with `shared.value` before it is asked for, its promise is `shared.promise`.
 */
export function lazyDeferred<T>(shared?: SharedResolution<T>): Deferred<T> {
  return new LazyDeferred<T>(shared);
}
