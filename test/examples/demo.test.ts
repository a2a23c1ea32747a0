import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run demo (the quick start)', () => {
  it('runs on the embedded receiver and reports each failure scenario with its class', async () => {
    const env = { ...process.env };
    delete env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/demo/run-demo.ts'], { cwd: ROOT, env });
    expect(stdout).toContain('(embedded receiver)');
    expect(stdout).toMatch(/healthy: plan two tools, run them, answer\s+ok/);
    expect(stdout).toMatch(/provider returns HTTP 503\s+provider_error → infra \(hard\)/);
    expect(stdout).toMatch(/a tool throws\s+tool_error → logic \(hard\)/);
    expect(stdout).toMatch(/the model loops without calling tools\s+zero_tool_calls → logic \(hard\)/);
    expect(stdout).toMatch(/a planned tool call is never executed\s+skipped_planned_call → logic \(hard\)/);
    expect(stdout).toContain('Spans the embedded OTLP receiver got: 22');
  });
});
