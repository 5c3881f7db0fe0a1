import { ConfigError } from '@rpcnet/base';

/**
 * A {@link ClusterClientConfig} value failed validation; `field` is its dotted path (e.g.
 * `retryBudget.ratio`). A {@link ConfigError}.
 */
export class ClusterClientConfigError extends ConfigError {
  constructor(field: string, reason: string) {
    super(field, reason, { component: 'cluster client' });
    this.name = 'ClusterClientConfigError';
  }
}
