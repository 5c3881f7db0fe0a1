/** Thrown at construction when a detector option is invalid; `field` names the offending option. */
export class PhiConfigError extends Error {
  /** The option that failed validation, e.g. `threshold`, or `options` for the whole object. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`invalid phi option "${field}": ${message}`);
    this.name = 'PhiConfigError';
    this.field = field;
  }
}
