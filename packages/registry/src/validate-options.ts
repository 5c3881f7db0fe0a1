import type { z } from 'zod';
import { RegistryConfigError } from './errors.js';

/** Parses `options` with `schema`; throws {@link RegistryConfigError} naming the first bad field. */
export function validateOptions<Schema extends z.ZodType>(
  schema: Schema,
  options: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(options);
  if (parsed.success) {
    return parsed.data;
  }
  const issue = parsed.error.issues[0];
  if (issue === undefined) {
    throw new RegistryConfigError('options', 'validation failed');
  }
  if (issue.code === 'unrecognized_keys') {
    throw new RegistryConfigError(issue.keys[0] ?? 'options', 'is not a known option');
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'options';
  throw new RegistryConfigError(field, issue.message);
}
