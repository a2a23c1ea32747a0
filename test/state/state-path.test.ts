import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultStatePath, STATE_PATH_ENV } from '../../src/index.js';
import { gatewayStateName, processStateName } from '../../src/state/state-path.js';
import { recordSpans, tempDir, toOtlpJson } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

/** Runs `node` in the checkout with a clean environment: no state variable, a temporary home. */
async function runInCheckout(args: string[], home: string, whileRunning?: (stderr: () => string) => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env['PATH'], HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  if (whileRunning) {
    await whileRunning(() => stderr);
    child.kill('SIGTERM');
  }
  const [code] = (await exited) as [number | null];
  expect(code, stderr).toBe(0);
  return stderr;
}

describe('where state lives', () => {
  it('is $AGENT_TRIAGE_STATE_PATH when set, else a file in the user state folder, never the working directory', () => {
    expect(defaultStatePath(processStateName('/srv/app'), { [STATE_PATH_ENV]: '/var/lib/triage/s.json' })).toBe('/var/lib/triage/s.json');
    expect(defaultStatePath(processStateName('/srv/app'), { XDG_STATE_HOME: '/x' })).toMatch(/^\/x\/otel-agent-triage\/process-app-[0-9a-f]{10}\.json$/);
    expect(processStateName('/srv/app')).not.toBe(processStateName('/srv/other/app'));
    expect(defaultStatePath(gatewayStateName('0.0.0.0:4318'), { XDG_STATE_HOME: '/x' })).toBe('/x/otel-agent-triage/gateway-0.0.0.0_4318.json');
  });

  it('keeps a processor and the gateway started in the checkout from writing into it, and logs the path once', async () => {
    const home = tempDir();
    const processorScript = [
      "import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';",
      "import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';",
      "import { AgentTriageSpanProcessor } from './dist/index.js';",
      'diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.INFO);',
      'const processor = new AgentTriageSpanProcessor({ next: new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() }) });',
      "const provider = new TracerProvider({ spanProcessors: [processor] });",
      "const span = provider.getTracer('t').startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });",
      'span.end();',
      'await provider.shutdown();',
    ].join('\n');
    const processorLog = await runInCheckout(['--input-type=module', '-e', processorScript], home);
    expect(processorLog.match(/agent-triage: state file /g)).toHaveLength(1);
    expect(processorLog).toContain(`state file ${join(home, '.local/state/otel-agent-triage', processStateName(ROOT.replace(/\/$/, '')))}.json`);

    const out = tempDir();
    const gatewayLog = await runInCheckout([CLI, 'gateway', '--listen', '127.0.0.1:0', '--out', out], home, async stderr => {
      await expect.poll(() => /listening on (http:\/\/[\d.:]+)/.exec(stderr())?.[1], { timeout: 10_000 }).toBeDefined();
      const url = /listening on (http:\/\/[\d.:]+)/.exec(stderr())?.[1] ?? '';
      const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(recordSpans(t => runTurn(t, HEALTHY_TURN))) });
      expect(res.status).toBe(200);
    });
    expect(gatewayLog).toContain(`state ${join(home, '.local/state/otel-agent-triage/gateway-127.0.0.1_0.json')}`);

    const written = readdirSync(join(home, '.local/state/otel-agent-triage'));
    expect(written).toContain('gateway-127.0.0.1_0.json');
    expect(existsSync(join(ROOT, '.agent-triage'))).toBe(false);
    expect(existsSync(join(ROOT, 'agent-triage-out'))).toBe(false);
  });
});
