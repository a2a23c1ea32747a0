import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { ConfigError } from '../config/config-error.js';
import { Gateway } from '../gateway/gateway.js';
import { loadGatewayConfigFile, resolveGatewayConfig } from '../gateway/gateway-config.js';
import type { GatewayConfig } from '../gateway/gateway-config.js';

export interface GatewayFlags {
  config?: string;
  listen?: string;
  out?: string;
}

/**
 * `agent-triage gateway`: runs until SIGTERM or SIGINT, then flushes every
 * accepted span and exits 0. Exit 2 on a bad config or flag, 1 when it cannot
 * listen.
 */
export async function runGateway(flags: GatewayFlags): Promise<void> {
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  let config: GatewayConfig;
  try {
    config = withFlags(flags.config === undefined ? resolveGatewayConfig({}) : loadGatewayConfigFile(flags.config), flags);
  } catch (error) {
    console.error(`agent-triage gateway: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  let gateway: Gateway;
  try {
    gateway = await Gateway.start(config);
  } catch (error) {
    console.error(`agent-triage gateway: ${(error as Error).message}`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
    return;
  }
  console.error(`agent-triage gateway: listening on ${gateway.url} (OTLP/HTTP ${gateway.url}/v1/traces)`);
  if (gateway.outDir !== undefined) console.error(`agent-triage gateway: writing findings.jsonl and traces.jsonl to ${gateway.outDir}`);
  console.error(`agent-triage gateway: state ${gateway.statePath ?? 'in memory only (triage.statePath: false)'}`);
  if (gateway.forwardUrl !== undefined) console.error(`agent-triage gateway: forwarding to ${gateway.forwardUrl}`);
  const stop = (signal: string): void => {
    console.error(`agent-triage gateway: ${signal}: flushing and stopping`);
    gateway.shutdown().then(
      () => {
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`agent-triage gateway: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** Flags win over the file; both go through the same validation. */
function withFlags(config: GatewayConfig, flags: GatewayFlags): GatewayConfig {
  const overrides = { ...(flags.listen !== undefined && { listen: flags.listen }), ...(flags.out !== undefined && { out: flags.out }) };
  if (Object.keys(overrides).length === 0) return config;
  return resolveGatewayConfig({ ...config, ...overrides }, 'flags');
}
