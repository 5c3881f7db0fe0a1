import { ConfigError } from '@rpcnet/base';

/**
 * Thrown at construction when a detector option is invalid; `field` names the offending option
 * (e.g. `threshold`, or `options` for the whole object). A {@link ConfigError}.
 */
export class PhiConfigError extends ConfigError {
  constructor(field: string, reason: string) {
    super(field, reason, { component: 'phi' });
    this.name = 'PhiConfigError';
  }
}
