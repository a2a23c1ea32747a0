/**
 * Every export of the package's entry points carries a doc comment (TSDoc),
 * read with the TypeScript compiler API the way editors and TypeDoc read it.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY_POINTS = ['src/index.ts', 'src/gateway/index.ts'];

/** `entry: name` of every export of an entry point without a doc comment. */
function undocumentedExports(): string[] {
  const program = ts.createProgram(
    ENTRY_POINTS.map(entry => `${ROOT}${entry}`),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  for (const entry of ENTRY_POINTS) {
    const file = program.getSourceFile(`${ROOT}${entry}`);
    const module = file && checker.getSymbolAtLocation(file);
    if (!module) throw new Error(`cannot read ${entry}`);
    const exports = checker.getExportsOfModule(module);
    expect(exports.length, entry).toBeGreaterThan(5);
    for (const symbol of exports) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      if (ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '') missing.push(`${entry}: ${symbol.name}`);
    }
  }
  return missing;
}

describe('public API doc comments', () => {
  it('every export of src/index.ts and src/gateway/index.ts has one', () => {
    expect(undocumentedExports()).toEqual([]);
  }, 60_000);
});
