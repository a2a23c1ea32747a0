import { z } from 'zod';
import { ConfigError, parseOrThrow } from '../config/config-error.js';
import { readYamlFile } from '../config/data-files.js';
import { signalOverrideSchema } from '../signals/signal-config.js';
import { DEFAULT_RETRY } from './retry-policy.js';

/** Where the gateway receives OTLP/HTTP when nothing else is configured. */
export const DEFAULT_LISTEN = '127.0.0.1:4318';
/** The folder for `findings.jsonl` and `traces.jsonl` when nothing is forwarded and no `out` is set. */
export const DEFAULT_OUT_DIR = 'agent-triage-out';

/** `host:port`, `[v6]:port`; port 0 picks a free one (tests). */
const listenSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:4318')
  .refine(value => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535');

const positiveInt = z.number().int().positive();
const durationMs = z.number().int().min(0);

/** The gateway's YAML config, validated strictly (unknown keys are errors). */
export const gatewayConfigSchema = z.strictObject({
  /** Where OTLP/HTTP is received. */
  listen: listenSchema.default(DEFAULT_LISTEN),
  /** Folder for `findings.jsonl` and `traces.jsonl`. Default: `agent-triage-out` when nothing is forwarded. */
  out: z.string().min(1).optional(),
  /** Also receive OTLP/gRPC here (e.g. 127.0.0.1:4317); off unless set. */
  grpc: z.strictObject({ listen: listenSchema }).optional(),
  /** One of: the token itself, or the name of the environment variable that holds it (keeps it out of the file). */
  auth: z
    .strictObject({ bearerToken: z.string().min(1).optional(), bearerTokenEnv: z.string().min(1).optional() })
    .refine(auth => (auth.bearerToken === undefined) !== (auth.bearerTokenEnv === undefined), 'set exactly one of bearerToken and bearerTokenEnv')
    .optional(),
  limits: z
    .strictObject({
      maxRequestBytes: positiveInt.default(4 * 1024 * 1024),
      maxQueueSpans: positiveInt.default(100_000),
      retryAfterSeconds: positiveInt.default(5),
    })
    .prefault({}),
  forward: z
    .strictObject({
      endpoint: z.url().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      timeoutMillis: positiveInt.optional(),
      maxBatchSpans: positiveInt.default(512),
      flushIntervalMs: positiveInt.default(200),
      /** Retries of a failed forward, as the Collector's `retry_on_failure`: backoff with jitter, for at most `maxElapsedMs`. */
      retry: z
        .strictObject({
          initialIntervalMs: positiveInt.default(DEFAULT_RETRY.initialIntervalMs),
          maxIntervalMs: positiveInt.default(DEFAULT_RETRY.maxIntervalMs),
          maxElapsedMs: positiveInt.default(DEFAULT_RETRY.maxElapsedMs),
        })
        .prefault({}),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /** Serve Prometheus text on `GET /metrics`. */
      prometheus: z.boolean().default(true),
      otlp: z.strictObject({ endpoint: z.url().optional(), intervalMillis: positiveInt.default(60_000) }).optional(),
    })
    .prefault({}),
  triage: z
    .strictObject({
      decisionWaitMs: durationMs.default(5000),
      rootGraceMs: durationMs.optional(),
      orphanTimeoutMs: durationMs.optional(),
      maxTurnsInFlight: positiveInt.optional(),
      maxSpansPerTurn: positiveInt.optional(),
      maxAgentLabels: positiveInt.optional(),
      taxonomy: z.string().min(1).optional(),
      signals: z.record(z.string(), signalOverrideSchema).optional(),
      /** Where this instance keeps its baselines across restarts (default: `defaultStatePath` for its listen address); `false` keeps them in memory only. */
      statePath: z.union([z.string().min(1), z.literal(false)]).optional(),
    })
    .prefault({}),
  shutdownTimeoutMs: positiveInt.default(30_000),
});
/** The gateway config as written (every key optional). */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
/** The gateway config with every default filled in (from `resolveGatewayConfig`). */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** Validates a configuration object. @throws ConfigError naming each bad key. */
export function resolveGatewayConfig(input: unknown, where = 'config'): GatewayConfig {
  return parseOrThrow(gatewayConfigSchema, input ?? {}, where);
}

/** Reads and validates a YAML config file. @throws ConfigError naming the file and key. */
export function loadGatewayConfigFile(path: string): GatewayConfig {
  return resolveGatewayConfig(readYamlFile(path), path);
}

/** Forwarding is on when the config or the standard exporter variables name an endpoint. */
export function forwardingEnabled(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  return config.forward.endpoint !== undefined || Boolean(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) || Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
}

export function metricsExportEnabled(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  return config.metrics.otlp !== undefined || Boolean(env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT']);
}

/** The bearer token required on requests, if any. @throws ConfigError when `auth.bearerTokenEnv` names an unset variable. */
export function bearerTokenOf(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = config.auth?.bearerTokenEnv;
  if (name === undefined) return config.auth?.bearerToken;
  const token = env[name];
  if (token === undefined || token === '') throw new ConfigError(`config: auth.bearerTokenEnv: environment variable ${name} is not set`);
  return token;
}

export function splitListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(colon + 1)) };
}
