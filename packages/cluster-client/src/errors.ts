/** A {@link ClusterClientConfig} value failed validation; `field` names it. */
export class ClusterClientConfigError extends Error {
  /** The dotted path of the invalid option, e.g. `retryBudget.ratio`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`invalid cluster client option "${field}": ${message}`);
    this.name = 'ClusterClientConfigError';
    this.field = field;
  }
}
