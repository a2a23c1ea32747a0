import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { GatewayConfigInput } from '../../../src/gateway/index.js';
import { tempDir } from '../../helpers/otlp-files.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/collector/', import.meta.url));
const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

/** A free loopback port, for configs that need a fixed one (the Collector's, or a gateway restarted in place). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => { resolve(); }));
  return port;
}

/** Polls `check` until it returns a value other than undefined, or fails naming `what` at the deadline. */
export async function waitFor<T>(what: string | (() => string), check: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise(resolve => setTimeout(resolve, everyMs));
  }
}

/** A child process with its output kept (bounded), stopped by SIGTERM, then SIGKILL. */
export class Child {
  private _output = '';
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(name: string, process: ChildProcess) {
    this.name = name;
    this.process = process;
    const keep = (chunk: Buffer): void => {
      this._output = (this._output + chunk.toString('utf8')).slice(-256 * 1024);
    };
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
    this.exited = new Promise(resolve => process.once('exit', code => { resolve(code); }));
  }

  get output(): string {
    return this._output;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  async waitForOutput(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${this.name} to print ${String(text)}`, () => {
      if (typeof text === 'string' ? this._output.includes(text) : text.test(this._output)) return true;
      if (!this.running) throw new Error(`${this.name} exited (${String(this.process.exitCode ?? this.process.signalCode)}):\n${this._output}`);
      return undefined;
    }, timeoutMs);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code once it has exited. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.running) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }
}

/** Every process a test file starts; `stopAll` in afterAll/afterEach kills what is left. */
export class Processes {
  private readonly _children: Child[] = [];

  add(child: Child): Child {
    this._children.push(child);
    return child;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this._children.splice(0).map(child => child.stop(5_000)));
  }
}

export interface CollectorOptions {
  /** A file of examples/collector, loaded as users load it. */
  readonly config: string;
  /** `${env:…}` values for the file. */
  readonly env: Record<string, string>;
  /** Test-only settings merged over the file (a second `--config`), e.g. a short decision_wait. */
  readonly overrides?: Record<string, unknown>;
}

export interface RunningCollector {
  readonly child: Child;
  /** The Collector's own metrics (Prometheus text), e.g. `http://127.0.0.1:1234/metrics`. */
  readonly telemetryUrl: string;
}

/** Starts the built Collector on the example file plus the overrides, and waits until it says it is ready. */
export async function startCollector(processes: Processes, binary: string, options: CollectorOptions): Promise<RunningCollector> {
  const telemetryPort = await freePort();
  const overrides = {
    ...options.overrides,
    // Its own metrics on a free port (the default, 8888, would clash between runs).
    service: { telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: telemetryPort } } } }] } } },
  };
  const overridesPath = join(tempDir('collector-config-'), 'overrides.yaml');
  writeFileSync(overridesPath, stringify(overrides));
  const args = ['--config', `file:${join(EXAMPLES_DIR, options.config)}`, '--config', `file:${overridesPath}`];
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env };
  const child = processes.add(new Child(`collector (${options.config})`, spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })));
  await child.waitForOutput('Everything is ready');
  return { child, telemetryUrl: `http://127.0.0.1:${telemetryPort}/metrics` };
}

/** Sum of a Prometheus text metric's samples whose labels include every `where` pair. */
export function sumOfMetric(text: string, name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(where).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}

/** Runs `agent-triage gateway` (the built CLI) with this config, as users run it. */
export async function startGatewayProcess(processes: Processes, name: string, config: GatewayConfigInput): Promise<Child> {
  const path = join(tempDir('gateway-config-'), 'gateway.yaml');
  writeFileSync(path, stringify({ ...config, triage: { statePath: false, ...config.triage } }));
  const child = processes.add(new Child(name, spawn(process.execPath, [CLI, 'gateway', '--config', path], { env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] })));
  await child.waitForOutput('listening on');
  return child;
}
