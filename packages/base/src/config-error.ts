/** Options of {@link ConfigError}. */
export interface ConfigErrorOptions {
  /** Whose option it is, e.g. `phi` or `registry`; shown in the message. */
  readonly component?: string | undefined;
  readonly cause?: unknown;
}

/**
 * An invalid option, thrown at construction. Every package's option errors extend it, so one
 * `instanceof ConfigError` catches them all; `field` names the option and `reason` says what to fix.
 */
export class ConfigError extends Error {
  /** The option that failed validation, as a dotted path (e.g. `retryBudget.ratio`). */
  readonly field: string;
  /** What is wrong with it and what is expected instead. */
  readonly reason: string;

  constructor(field: string, reason: string, options: ConfigErrorOptions = {}) {
    const whose = options.component === undefined ? '' : `${options.component} `;
    super(`invalid ${whose}option "${field}": ${reason}`, { cause: options.cause });
    this.name = 'ConfigError';
    this.field = field;
    this.reason = reason;
  }
}
