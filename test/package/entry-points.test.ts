import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** Every module a built entry point loads: relative files it reaches, and the packages they import. */
function moduleGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  visit(resolve(DIST, entry));
  return { files, packages };
}

describe('package entry points', () => {
  it('the main entry never loads the gateway, an HTTP or gRPC server, or protobuf', () => {
    const { files, packages } = moduleGraph('index.js');
    expect([...files].filter(f => f.includes('/gateway/'))).toEqual([]);
    for (const name of ['node:http', '@grpc/grpc-js', 'protobufjs', '@opentelemetry/exporter-prometheus', '@opentelemetry/exporter-trace-otlp-http']) {
      expect(packages).not.toContain(name);
    }
  });

  it('the gateway entry does', () => {
    const { packages } = moduleGraph('gateway/index.js');
    expect(packages).toContain('node:http');
    expect(packages).toContain('protobufjs');
  });
});
