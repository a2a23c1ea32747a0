import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ConfigError, describeZodError } from '../config/config-error.js';
import { EXPORT_OK, parseRetryAfterMs } from './retry-policy.js';
import type { ExportOutcome } from './retry-policy.js';
import { rpcStatusMessageOf } from './otlp-proto.js';

const gzipAsync = promisify(gzip);

/** Where and how forwarded requests are sent. */
export interface OtlpHttpOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: 'gzip' | 'none';
}

export const DEFAULT_FORWARD_TIMEOUT_MS = 10_000;

/** Statuses the OTLP/HTTP spec lets a client retry; every other non-2xx is final. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

const envSchema = z.object({
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_COMPRESSION: z.enum(['gzip', 'none']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: z.enum(['gzip', 'none']).optional(),
  OTEL_EXPORTER_OTLP_TIMEOUT: z.coerce.number().int().positive().optional(),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: z.coerce.number().int().positive().optional(),
});

/**
 * The forwarding settings: the config's, else the standard
 * `OTEL_EXPORTER_OTLP_*` variables (signal-specific first), else the OTLP
 * defaults. @throws ConfigError naming a malformed variable
 */
export function resolveOtlpHttpOptions(
  forward: { endpoint?: string | undefined; headers?: Record<string, string> | undefined; timeoutMillis?: number | undefined },
  env: NodeJS.ProcessEnv,
): OtlpHttpOptions {
  const blank = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
  const parsed = envSchema.safeParse(Object.fromEntries(Object.keys(envSchema.shape).map(key => [key, blank(env[key])])));
  if (!parsed.success) throw new ConfigError(describeZodError('environment', parsed.error));
  const e = parsed.data;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = forward.endpoint ?? e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base === undefined ? 'http://localhost:4318/v1/traces' : `${base.replace(/\/+$/, '')}/v1/traces`);
  return {
    url: new URL(url),
    headers: { ...parseHeaders(e.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS), ...forward.headers },
    timeoutMs: forward.timeoutMillis ?? e.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? e.OTEL_EXPORTER_OTLP_TIMEOUT ?? DEFAULT_FORWARD_TIMEOUT_MS,
    compression: e.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION ?? e.OTEL_EXPORTER_OTLP_COMPRESSION ?? 'none',
  };
}

/** `key1=value1,key2=value2`, values percent-decoded (the OTLP exporter spec's format); malformed pairs are skipped. */
function parseHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text?.split(',') ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      // Not valid percent-encoding: skip the pair.
    }
  }
  return out;
}

/**
 * POSTs already-encoded OTLP requests over one keep-alive connection pool and
 * says what happened in terms the retry layer needs: ok, retryable (with the
 * backend's `Retry-After`), or refused for good. The timeout is a global
 * timer, so fake timers drive it in tests.
 */
export class OtlpHttpPoster {
  private readonly _options: OtlpHttpOptions;
  private readonly _agent: HttpAgent;
  private readonly _request: typeof httpRequest;

  constructor(options: OtlpHttpOptions) {
    this._options = options;
    const https = options.url.protocol === 'https:';
    this._agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this._request = https ? httpsRequest : httpRequest;
  }

  get url(): string {
    return this._options.url.href;
  }

  async post(body: Uint8Array, contentType: string): Promise<ExportOutcome> {
    const gzipped = this._options.compression === 'gzip';
    const payload = gzipped ? await gzipAsync(body) : body;
    return new Promise<ExportOutcome>(resolve => {
      let settled = false;
      const finish = (outcome: ExportOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const req = this._request(this._options.url, {
        method: 'POST',
        agent: this._agent,
        headers: {
          ...this._options.headers,
          'content-type': contentType,
          'content-length': payload.byteLength,
          ...(gzipped && { 'content-encoding': 'gzip' }),
        },
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${this._options.timeoutMs} ms`));
      }, this._options.timeoutMs);
      req.on('response', (res: IncomingMessage) => {
        readSome(res).then(
          text => {
            finish(outcomeOf(res, text));
          },
          (error: unknown) => {
            finish({ kind: 'retryable', message: `reading the answer failed: ${(error as Error).message}` });
          },
        );
      });
      req.on('error', error => {
        finish({ kind: 'retryable', message: `${(error as NodeJS.ErrnoException).code ?? 'error'}: ${error.message}` });
      });
      req.end(payload);
    });
  }

  close(): void {
    this._agent.destroy();
  }
}

function outcomeOf(res: IncomingMessage, text: string): ExportOutcome {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return EXPORT_OK;
  const message = `HTTP ${status}${text === '' ? '' : `: ${text}`}`;
  if (!RETRYABLE_STATUS.has(status)) return { kind: 'permanent', message };
  const retryAfterMs = parseRetryAfterMs(res.headers['retry-after'], Date.now());
  return { kind: 'retryable', message, ...(retryAfterMs !== undefined && { retryAfterMs }) };
}

const MAX_ERROR_TEXT = 300;

/** Drains the answer (so the connection is reused), keeping the start of it for messages. */
function readSome(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    res.on('data', (chunk: Buffer) => {
      if (kept < MAX_ERROR_TEXT) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    res.on('end', () => {
      const type = res.headers['content-type'] ?? '';
      const body = Buffer.concat(chunks);
      // An OTLP receiver answers a protobuf request's failure with a protobuf google.rpc.Status.
      const text = type.includes('protobuf') ? (rpcStatusMessageOf(body) ?? '') : type.includes('json') || type.startsWith('text/') ? body.toString('utf8') : '';
      resolve(text.slice(0, MAX_ERROR_TEXT).trim());
    });
    res.on('error', reject);
  });
}
