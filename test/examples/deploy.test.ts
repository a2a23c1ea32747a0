import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadGatewayConfigFile, resolveGatewayConfig } from '../../src/gateway/index.js';
import type { Gateway } from '../../src/gateway/index.js';
import { splitListen } from '../../src/gateway/gateway-config.js';
import { DEFAULT_FORWARD_TIMEOUT_MS } from '../../src/gateway/otlp-http-target.js';
import { spansFromTraceRequest } from '../../src/otlp/parse-trace-request.js';
import { recordSpans, tempDir, toOtlpJson, writeFile } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { startTestGateway } from '../helpers/gateway.js';

/**
 * The files under examples/deploy, checked without Docker, systemd or a
 * cluster (none is available here): what can be checked from the files is,
 * and the probes and the health check are run against a live gateway.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(ROOT, 'examples/deploy');
const read = (name: string): string => readFileSync(join(DEPLOY, name), 'utf8');
const BIN = /\/node_modules\/\.bin\/agent-triage$/;

const defaults = resolveGatewayConfig({});
/** The longest a clean stop takes: open requests, then one last forward attempt. */
const STOP_SECONDS = (defaults.shutdownTimeoutMs + DEFAULT_FORWARD_TIMEOUT_MS) / 1000;
const config = loadGatewayConfigFile(join(DEPLOY, 'gateway.yaml'));
const HTTP_PORT = splitListen(config.listen).port;
const GRPC_PORT = splitListen(config.grpc?.listen ?? '').port;

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.shutdown();
  gateway = undefined;
});

/** Each probe path answers 200 on a live, idle gateway. */
async function expectLiveRoutes(paths: string[]): Promise<void> {
  gateway ??= await startTestGateway();
  for (const path of paths) expect((await fetch(`${gateway.url}${path}`)).status, path).toBe(200);
}

/** Dockerfile instructions, continuation lines joined. */
function dockerInstructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter(line => line.trim() !== '' && !line.trim().startsWith('#'))
    .map(line => {
      const match = /^(\w+)\s+(.*)$/.exec(line.trim());
      return { op: match?.[1]?.toUpperCase() ?? '', args: match?.[2] ?? '' };
    });
}

describe('examples/deploy', () => {
  it('ships a gateway config the gateway accepts, listening on all interfaces', () => {
    expect(config.listen).toBe('0.0.0.0:4318');
    expect(config.triage.statePath).toBeUndefined(); // from AGENT_TRIAGE_STATE_PATH, set by each file
  });

  it('Dockerfile: exec-form entry point on the binary, non-root user, STOPSIGNAL SIGTERM, HEALTHCHECK on /readyz that passes', async () => {
    const steps = dockerInstructions(read('Dockerfile'));
    const one = (op: string): string => {
      const found = steps.filter(s => s.op === op);
      expect(found, op).toHaveLength(1);
      return found[0]?.args ?? '';
    };
    const entry = JSON.parse(one('ENTRYPOINT')) as string[];
    expect(entry[0]).toMatch(BIN);
    expect(entry.slice(1)).toEqual(['gateway']);
    const cmd = JSON.parse(one('CMD')) as string[];
    expect(cmd).toEqual(['--config', '/etc/agent-triage/gateway.yaml']);
    expect(one('USER')).not.toMatch(/^(root|0)(:|$)/);
    expect(one('STOPSIGNAL')).toBe('SIGTERM');
    expect(one('EXPOSE').split(/\s+/).map(Number).sort()).toEqual([GRPC_PORT, HTTP_PORT].sort());
    expect(one('ENV')).toBe('AGENT_TRIAGE_STATE_PATH=/var/lib/agent-triage/state.json');

    const healthcheck = /^(.*?)\bCMD\s+(\[.*\])$/.exec(one('HEALTHCHECK'));
    const check = JSON.parse(healthcheck?.[2] ?? '[]') as string[];
    const script = check[2] ?? '';
    expect(check.slice(0, 2)).toEqual(['node', '-e']);
    expect(script).toContain(`http://127.0.0.1:${HTTP_PORT}/readyz`);
    // Run the check itself against a live gateway (its port swapped in): exit 0 when ready.
    gateway = await startTestGateway();
    const live = script.replace(`http://127.0.0.1:${HTTP_PORT}`, gateway.url);
    await expect(promisify(execFile)(process.execPath, ['-e', live])).resolves.toBeDefined();
    await gateway.shutdown();
    await expect(promisify(execFile)(process.execPath, ['-e', live])).rejects.toMatchObject({ code: 1 });
    gateway = undefined;
  });

  it('systemd unit: starts the binary itself, stops with SIGTERM, waits longer than the gateway takes to stop', () => {
    const unit = new Map(
      read('agent-triage-gateway.service')
        .split('\n')
        .filter(line => /^\w+=/.test(line))
        .map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    const exec = (unit.get('ExecStart') ?? '').split(' ');
    expect(exec[0]).toMatch(BIN);
    expect(exec[0]?.startsWith('/')).toBe(true);
    expect(exec.slice(1, 2)).toEqual(['gateway']);
    expect(unit.get('KillSignal')).toBe('SIGTERM');
    expect(Number(unit.get('TimeoutStopSec'))).toBeGreaterThan(STOP_SECONDS);
    expect(unit.get('Environment')).toBe('AGENT_TRIAGE_STATE_PATH=/var/lib/agent-triage/state.json');
    expect(unit.get('StateDirectory')).toBe('agent-triage');
  });

  it('Kubernetes: probes on real endpoints and ports, grace period above the stop time, config accepted', async () => {
    const docs = parseAllDocuments(read('kubernetes.yaml')).map(d => d.toJS() as Record<string, unknown>);
    const configMap = docs.find(d => d['kind'] === 'ConfigMap') as { data: Record<string, string> };
    const mapped = loadGatewayConfigFile(writeFile(tempDir(), 'gateway.yaml', configMap.data['gateway.yaml'] ?? ''));
    expect(mapped).toEqual(config);

    interface Probe {
      httpGet: { path: string; port: string };
    }
    const deployment = docs.find(d => d['kind'] === 'Deployment') as {
      spec: {
        template: {
          spec: {
            terminationGracePeriodSeconds: number;
            securityContext: { runAsNonRoot: boolean };
            containers: {
              command: string[];
              args: string[];
              env: { name: string; value: string }[];
              ports: { name: string; containerPort: number }[];
              readinessProbe: Probe;
              livenessProbe: Probe;
            }[];
          };
        };
      };
    };
    const pod = deployment.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(STOP_SECONDS);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [container] = pod.containers;
    if (!container) throw new Error('no container');
    expect(container.command[0]).toMatch(BIN);
    expect(container.command.slice(1)).toEqual(['gateway']);
    expect(container.args).toEqual(['--config', '/etc/agent-triage/gateway.yaml']);
    expect(container.env).toContainEqual({ name: 'AGENT_TRIAGE_STATE_PATH', value: '/var/lib/agent-triage/state.json' });
    const portOf = (name: string) => container.ports.find(p => p.name === name)?.containerPort;
    expect(portOf(container.readinessProbe.httpGet.port)).toBe(HTTP_PORT);
    expect(portOf(container.livenessProbe.httpGet.port)).toBe(HTTP_PORT);
    expect(portOf('otlp-grpc')).toBe(GRPC_PORT);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    await expectLiveRoutes([container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path]);
  });
});

describe('the gateway started the README way', () => {
  /** A project with the package installed as npm lays it out: node_modules/.bin/agent-triage → the CLI. */
  function installedProject(): string {
    const project = tempDir();
    mkdirSync(join(project, 'node_modules/.bin'), { recursive: true });
    symlinkSync(ROOT, join(project, 'node_modules/otel-agent-triage'), 'dir');
    symlinkSync('../otel-agent-triage/dist/cli/main.js', join(project, 'node_modules/.bin/agent-triage'));
    return project;
  }

  it.each([
    // npm install sets the bin's exec bit and its shebang runs node; here node runs it directly, which is the same process.
    ['node_modules/.bin/agent-triage gateway', (args: string[]) => [process.execPath, ['node_modules/.bin/agent-triage', 'gateway', ...args]] as const],
    ['exec in a shell entry point', (args: string[]) => ['/bin/sh', ['-c', `exec "${process.execPath}" node_modules/.bin/agent-triage gateway ${args.join(' ')}`]] as const],
  ])('%s: SIGTERM to the started process stops it cleanly and flushes', async (_name, command) => {
    const project = installedProject();
    const out = tempDir();
    const [file, args] = command(['--listen', '127.0.0.1:0', '--out', out]);
    const child = spawn(file, args, { cwd: project, env: { PATH: process.env['PATH'], AGENT_TRIAGE_STATE_PATH: join(tempDir(), 'state.json') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    await expect.poll(() => /listening on (http:\/\/[\d.:]+)/.exec(stderr)?.[1], { timeout: 15_000 }).toBeDefined();
    const url = /listening on (http:\/\/[\d.:]+)/.exec(stderr)?.[1] ?? '';
    // The turn's root is held for triage.decisionWaitMs (5 s): only a clean stop decides and writes it now.
    const spans = recordSpans(tracer => runTurn(tracer, HEALTHY_TURN));
    expect((await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans) })).status).toBe(200);
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }, stderr).toEqual({ code: 0, signal: null });
    expect(stderr).toContain('SIGTERM: flushing and stopping');
    const traced = readFileSync(join(out, 'traces.jsonl'), 'utf8')
      .split('\n')
      .filter(line => line !== '')
      .flatMap(line => spansFromTraceRequest(JSON.parse(line), 'traces.jsonl'));
    expect(traced.map(s => s.spanContext().spanId).sort()).toEqual(spans.map(s => s.spanContext().spanId).sort());
  });
});
