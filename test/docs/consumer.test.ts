/**
 * The package as a user installs it: a project in a temp folder whose
 * node_modules holds this checkout as `otel-agent-triage` (resolved through
 * package.json `exports` to the built dist/) beside the checkout's own
 * dependencies. Every TypeScript block of README.md and docs/*.md marked
 * `ts runnable` is type-checked there with moduleResolution node16 and
 * bundler, together with a tiny consumer of both entry points, and the
 * README's registration snippet runs against a real OTLP/HTTP receiver.
 * Blocks marked `ts runnable sdk2` use packages only the OpenTelemetry 2.x
 * line has (`sdk-trace-base`, `sdk-trace-node`): the 3.x run leaves them out.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, markdownFiles, readDoc, ROOT } from './markdown.js';

const run = promisify(execFile);

/** The SDK line installed for this run (compat/sdk3/test.sh installs 3.x). */
const SDK_MAJOR = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@opentelemetry/sdk-trace/package.json'), 'utf8')) as { version: string }).version.split('.')[0];
const RUNNABLE = SDK_MAJOR === '2' ? ['ts runnable', 'ts runnable sdk2'] : ['ts runnable'];
const snippets = markdownFiles().flatMap(file => codeBlocks(file, readDoc(file)).filter(block => RUNNABLE.includes(block.info)));
const registration = snippets.find(block => block.file === 'README.md' && block.code.includes('new AgentTriageSpanProcessor'));

/** Uses both entry points' main exports and types, as a consumer would. */
const CONSUMER = `import { AgentTriageSpanProcessor, ConfigError, SIGNAL_IDS, HEALTH_CAUSES } from 'otel-agent-triage';
import type { AgentTriageSpanProcessorOptions, Finding, HealthNoticeRecord } from 'otel-agent-triage';
import { Gateway, resolveGatewayConfig } from 'otel-agent-triage/gateway';

export const ids: readonly string[] = [...SIGNAL_IDS, ...HEALTH_CAUSES];
export const onFinding: AgentTriageSpanProcessorOptions['onFinding'] = (finding: Finding) => finding.signal;
export const onHealthNotice = (record: HealthNoticeRecord): string => \`\${record.signal} \${record.cause}\`;
export const start = (): Promise<Gateway> => Gateway.start(resolveGatewayConfig({}));
export const kinds = [AgentTriageSpanProcessor, ConfigError];
`;

const RESOLUTIONS = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;

let project: string;

/** The file name of a snippet: where it comes from. */
const fileOf = (snippet: { file: string; line: number }): string => `snippet-${snippet.file.replace(/[/.]/g, '_')}-${snippet.line}.ts`;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'agent-triage-consumer-'));
  const modules = join(project, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry), 'dir');
  }
  symlinkSync(ROOT, join(modules, 'otel-agent-triage'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(join(project, 'consumer.ts'), CONSUMER);
  for (const snippet of snippets) writeFileSync(join(project, fileOf(snippet)), snippet.code);
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

describe('runnable snippets of README.md and docs/', () => {
  it('finds the marked blocks, the README registration snippet among them on the 2.x line', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    if (SDK_MAJOR === '2') expect(registration).toBeDefined();
  });

  it.each(Object.keys(RESOLUTIONS) as (keyof typeof RESOLUTIONS)[])(
    'type-check against the built package with moduleResolution %s, with a consumer of both entry points',
    async resolution => {
      const config = {
        compilerOptions: {
          ...RESOLUTIONS[resolution],
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['consumer.ts', ...snippets.map(fileOf)],
      };
      writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(config));
      const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
      const result = await run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: project }).then(
        () => '',
        (error: unknown) => (error as { stdout?: string }).stdout ?? 'tsc failed without output',
      );
      expect(result).toBe('');
    },
    120_000,
  );

  it.skipIf(SDK_MAJOR !== '2')('runs the registration snippet: the processor exports an enriched turn root and metrics over OTLP/HTTP', async () => {
    const received: { path: string; body: Buffer }[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', body: Buffer.concat(chunks) });
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const epilogue = `
const { trace: traceApi } = await import('@opentelemetry/api');
traceApi.getTracer('readme').startSpan('invoke_agent readme-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'readme-agent' } }).end();
await tracerProvider.shutdown();
await meterProvider.shutdown();
`;
      writeFileSync(join(project, 'run-registration.ts'), `${registration?.code ?? ''}\n${epilogue}`);
      const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, AGENT_TRIAGE_STATE_PATH: join(project, 'state.json') };
      await run(process.execPath, ['--import', 'tsx', 'run-registration.ts'], { cwd: project, env, timeout: 60_000 });
      const traces = received.filter(r => r.path === '/v1/traces');
      expect(traces.length).toBeGreaterThan(0);
      expect(Buffer.concat(traces.map(r => r.body)).includes('agent_triage.turn.outcome')).toBe(true);
      expect(received.some(r => r.path === '/v1/metrics' && r.body.includes('agent_triage.turns'))).toBe(true);
    } finally {
      await new Promise<void>(resolve => {
        server.close(() => {
          resolve();
        });
      });
    }
  }, 90_000);
});
