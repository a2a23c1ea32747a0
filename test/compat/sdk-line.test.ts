import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';

/** The SDK major this run must exercise: compat/sdk3/test.sh sets it, otherwise it is the line package.json installs. */
function expectedSdkMajor(): string {
  const fromCompatRun = process.env['AGENT_TRIAGE_SDK_LINE'];
  if (fromCompatRun) return fromCompatRun;
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return manifest.devDependencies['@opentelemetry/sdk-trace']?.split('.')[0] ?? 'none';
}

describe('SDK line under test', () => {
  it('records spans with the OpenTelemetry SDK line this run is meant to cover', () => {
    const harness = createHarness();
    harness.tracer.startSpan('probe').end();
    const [span] = harness.spans();
    expect(span?.resource.attributes['telemetry.sdk.version']).toEqual(expect.stringMatching(new RegExp(`^${expectedSdkMajor()}\\.`)));
  });
});
