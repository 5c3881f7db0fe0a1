import { ConfigError } from '@rpcnet/base';

/** Base class of the runtime errors of `@rpcnet/registry` (option errors are {@link ConfigError}s). */
export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** A worker filter string or object is malformed; `reason` says what is wrong with it. */
export class InvalidFilterError extends RegistryError {
  /** The filter as the caller wrote it (objects rendered as `key=value,...`). */
  readonly filter: string;
  /** What is wrong, e.g. `term "gpu" has no "="`. */
  readonly reason: string;

  constructor(filter: string, reason: string) {
    super(`invalid worker filter "${filter}": ${reason}`);
    this.name = 'InvalidFilterError';
    this.filter = filter;
    this.reason = reason;
  }
}

/** No selectable worker matches the filter (after exclusions). */
export class NoWorkersAvailableError extends RegistryError {
  /** The filter that matched nothing selectable, normalized (`*` for no filter). */
  readonly filter: string;
  /** How many worker ids the caller excluded. */
  readonly excluded: number;

  constructor(filter: string, excluded: number, detail?: string) {
    const suffix = excluded > 0 ? ` (${excluded} excluded)` : '';
    super(`no workers available for filter "${filter}"${suffix}${detail ? `: ${detail}` : ''}`);
    this.name = 'NoWorkersAvailableError';
    this.filter = filter;
    this.excluded = excluded;
  }
}

/**
 * An option given to the registry or the health service is invalid; `field` names it (e.g.
 * `ewmaAlpha`). A {@link ConfigError}.
 */
export class RegistryConfigError extends ConfigError {
  constructor(field: string, reason: string) {
    super(field, reason, { component: 'registry' });
    this.name = 'RegistryConfigError';
  }
}
