/** The keys a zod object schema accepts, for tests that check documentation tables against the code. */
import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under optional, default, prefault and nullable wrappers. */
function unwrapped(schema: z.ZodType): Def {
  let def = defOf(schema);
  while (def.innerType && ['optional', 'default', 'prefault', 'nullable'].includes(def.type)) def = defOf(def.innerType);
  return def;
}

/** The top-level keys of an object schema. */
export function topKeys(schema: z.ZodType): string[] {
  return Object.keys(unwrapped(schema).shape ?? {});
}

/** Every leaf key of an object schema, dotted (`forward.retry.maxElapsedMs`); records and non-objects are leaves. */
export function leafKeys(schema: z.ZodType, prefix = ''): string[] {
  const def = unwrapped(schema);
  if (def.type !== 'object' || !def.shape) return [prefix];
  return Object.entries(def.shape).flatMap(([key, child]) => leafKeys(child, prefix === '' ? key : `${prefix}.${key}`));
}

/** The value at a dotted path of an object. */
export function valueAt(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], object);
}
