import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './markdown.js';

const run = promisify(execFile);

interface PackReport {
  files: { path: string }[];
}

describe('the published package', () => {
  it('ships the built code, signal and taxonomy data, the docs pages, the license and nothing else', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const paths = (JSON.parse(stdout) as PackReport[])[0]?.files.map(f => f.path) ?? [];
    const allowed = [/^dist\/.+\.(js|d\.ts)$/, /^signals\/.+\.yaml$/, /^docs\/[^/]+\.md$/, /^(README|CHANGELOG)\.md$/, /^package\.json$/, /^LICENSE$/];
    expect(paths.filter(path => !allowed.some(pattern => pattern.test(path)))).toEqual([]);
    for (const needed of ['LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/gateway/index.js', 'dist/gateway/index.d.ts', 'dist/cli/main.js', 'signals/taxonomies/default.yaml']) {
      expect(paths, needed).toContain(needed);
    }
    // Every file the package.json entry points name is shipped.
    const pkg = (await import(join(ROOT, 'package.json'), { with: { type: 'json' } })) as { default: { exports: Record<string, Record<string, string> | string>; bin: Record<string, string> } };
    const targets = [...Object.values(pkg.default.exports).flatMap(entry => (typeof entry === 'string' ? [entry] : Object.values(entry))), ...Object.values(pkg.default.bin)];
    for (const target of targets.map(t => t.replace(/^\.\//, ''))) {
      expect(existsSync(join(ROOT, target)), target).toBe(true);
      expect(paths, target).toContain(target);
    }
  }, 60_000);
});
