/**
 * The same string, made flat. V8 keeps a string built by `+` or a template as
 * a tree of pieces (32 bytes per join) until something reads its characters;
 * reading one flattens it in place, and the next GC drops the pieces. Worth it
 * for strings held for long (state keys, what an open turn keeps); a no-op on
 * other engines.
 */
export function flatString(text: string): string {
  return text.length === 0 || text.charCodeAt(0) >= 0 ? text : text;
}
