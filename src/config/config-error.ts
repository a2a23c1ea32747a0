import type { z } from 'zod';

/** A configuration problem, with the file and key it concerns in its message. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * One line per issue, each naming the full key: `signals/x.yaml: options.limit:
 * expected number`. Unknown keys are named individually.
 */
export function describeZodError(where: string, error: z.ZodError, keyPrefix: readonly PropertyKey[] = []): string {
  const lines = error.issues.flatMap(issue => {
    const path = [...keyPrefix, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(key => `${where}: ${[...path, key].join('.')}: unknown key`);
    }
    return [`${where}: ${path.length > 0 ? path.join('.') : '(root)'}: ${issue.message}`];
  });
  return lines.join('\n');
}

export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
  keyPrefix: readonly PropertyKey[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(describeZodError(where, result.error, keyPrefix));
  return result.data;
}
