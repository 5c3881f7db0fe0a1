import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/index.js';

describe('ConfigError', () => {
  it('names the field and the reason, and whose option it is', () => {
    const error = new ConfigError('timeoutMs', 'must be positive, got -1', { component: 'rpc' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.field).toBe('timeoutMs');
    expect(error.reason).toBe('must be positive, got -1');
    expect(error.message).toBe('invalid rpc option "timeoutMs": must be positive, got -1');
    expect(new ConfigError('x', 'bad').message).toBe('invalid option "x": bad');
  });
});
