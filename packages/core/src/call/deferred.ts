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

class LazyDeferred<T> implements Deferred<T> {
  settled = false;
  #ok = false;
  #value: T | undefined;
  #error: unknown;
  #inner: EagerDeferred<T> | undefined;

  get promise(): Promise<T> {
    if (this.#inner === undefined) {
      this.#inner = new EagerDeferred<T>();
      if (this.settled) {
        if (this.#ok) this.#inner.resolve(this.#value as T);
        else this.#inner.reject(this.#error);
      }
    }
    return this.#inner.promise;
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
 * most callers never await (e.g. a unary call's headers) then cost no promise at all.
 */
export function lazyDeferred<T>(): Deferred<T> {
  return new LazyDeferred<T>();
}
