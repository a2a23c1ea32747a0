import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { diag } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Finding } from '../engine/finding.js';
import { AgentTriageSpanProcessor } from '../processor/agent-triage-span-processor.js';
import { defaultStatePath, gatewayStateName } from '../state/state-path.js';
import { findingToJsonLine } from '../scan/scan-spans.js';
import { BatchingSink } from './batching-sink.js';
import { otlpTarget, tracesFileTarget } from './export-targets.js';
import type { ExportTarget } from './export-targets.js';
import { bearerTokenOf, DEFAULT_OUT_DIR, forwardingEnabled, metricsExportEnabled, splitListen } from './gateway-config.js';
import type { GatewayConfig } from './gateway-config.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { feedOrder } from './feed-order.js';
import { ForwardingProcessor } from './forwarding-processor.js';
import { HttpError } from './http-error.js';
import { JsonlFile } from './jsonl-file.js';
import { checkBearer, sendError, sendExportResponse, sendJson, TRACES_PATH } from './otlp-http-routes.js';
import { OtlpGrpcReceiver } from './otlp-grpc-receiver.js';
import { readBody } from './read-body.js';
import { decodeTraceRequest, encodingOf } from './trace-request.js';
import type { DecodedRequest, OtlpEncoding } from './trace-request.js';

/** How spans came in: the `encoding` label of the received metric. */
type Transport = OtlpEncoding | 'grpc';

/**
 * The collector-side gateway: OTLP/HTTP in, the same triage processor as
 * in-process, enriched spans out (OTLP/HTTP and/or local files), failure and
 * self metrics on `/metrics` and over OTLP. Start it with `Gateway.start`.
 */
export class Gateway {
  readonly processor: AgentTriageSpanProcessor;
  readonly metrics: GatewayMetrics;
  /** The folder `findings.jsonl` and `traces.jsonl` are written to, when files are written. */
  readonly outDir: string | undefined;
  /** The state file (baselines, memories), unless state is kept in memory only. */
  readonly statePath: string | undefined;
  /** The OTLP/HTTP URL spans are forwarded to, when they are. */
  readonly forwardUrl: string | undefined;
  private readonly _config: GatewayConfig;
  private readonly _bearerToken: string | undefined;
  private readonly _server: Server;
  private readonly _forwarding: ForwardingProcessor;
  private readonly _meterProvider: MeterProvider;
  private readonly _prometheus: PrometheusExporter | undefined;
  private readonly _findingsFile: JsonlFile | undefined;
  private _grpc: OtlpGrpcReceiver | undefined;
  private _draining = false;
  private _stopped: Promise<void> | undefined;

  private constructor(config: GatewayConfig, env: NodeJS.ProcessEnv) {
    this._config = config;
    this._bearerToken = bearerTokenOf(config, env);
    const forwarding = forwardingEnabled(config, env);
    const outDir = config.out ?? (forwarding ? undefined : DEFAULT_OUT_DIR);
    this.outDir = outDir === undefined ? undefined : resolve(outDir);
    const readers: MetricReader[] = [];
    if (config.metrics.prometheus) {
      this._prometheus = new PrometheusExporter({ preventServerStart: true });
      readers.push(this._prometheus);
    }
    if (metricsExportEnabled(config, env)) {
      const endpoint = config.metrics.otlp?.endpoint;
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter(endpoint === undefined ? {} : { url: endpoint }),
          exportIntervalMillis: config.metrics.otlp?.intervalMillis ?? 60_000,
        }),
      );
    }
    this._meterProvider = new MeterProvider({ readers, resource: gatewayResource() });

    const targets: ExportTarget<ReadableSpan>[] = [];
    if (forwarding) {
      const otlp = otlpTarget(config.forward, env);
      this.forwardUrl = otlp.url;
      targets.push(otlp);
    }
    if (this.outDir !== undefined) targets.push(tracesFileTarget(this.outDir));
    this._findingsFile = this.outDir === undefined ? undefined : new JsonlFile(join(this.outDir, 'findings.jsonl'));
    const sinks = targets.map(
      target =>
        new BatchingSink(target, config.forward, {
          onResult: (t, spans, outcome) => {
            this.metrics.forwarded.add([t.name, outcome], spans);
          },
          onRetry: (t, spans) => {
            this.metrics.retried.add([t.name], spans);
          },
        }),
    );
    this._forwarding = new ForwardingProcessor(sinks);
    this.metrics = new GatewayMetrics(this._meterProvider, () => this._forwarding.queued);
    const { statePath, ...triage } = config.triage;
    this.statePath = statePath === false ? undefined : (statePath ?? defaultStatePath(gatewayStateName(config.listen), env));
    this.processor = new AgentTriageSpanProcessor({
      ...triage,
      state: this.statePath === undefined ? { persistence: false } : { path: this.statePath },
      next: this._forwarding,
      meterProvider: this._meterProvider,
      onFinding: finding => {
        this._writeFinding(finding);
      },
    });
    this._server = createServer((req, res) => {
      this._route(req, res);
    });
  }

  /** Validated config in, listening gateway out. @throws ConfigError (bad taxonomy or signals), or a listen error. */
  static async start(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): Promise<Gateway> {
    const gateway = new Gateway(config, env);
    try {
      await gateway._listen();
    } catch (error) {
      // Close what the constructor opened (files, exporters) so a failed start leaves nothing behind.
      await gateway.shutdown().catch(() => undefined);
      throw error;
    }
    return gateway;
  }

  private async _listen(): Promise<void> {
    const { host, port } = splitListen(this._config.listen);
    await new Promise<void>((resolveListen, reject) => {
      this._server.once('error', reject);
      this._server.listen(port, host, () => {
        this._server.off('error', reject);
        resolveListen();
      });
    });
    if (this._config.grpc === undefined) return;
    const grpc = splitListen(this._config.grpc.listen);
    this._grpc = await OtlpGrpcReceiver.start(
      grpc.host,
      grpc.port,
      this._config.limits.maxRequestBytes,
      (body, authorization) => this._exportGrpc(body, authorization),
      error => {
        this.metrics.rejectedRequests.add([error.reason]);
      },
    );
  }

  /** The OTLP/gRPC port, when gRPC is configured. */
  get grpcPort(): number | undefined {
    return this._grpc?.port;
  }

  /** The base URL it listens on, e.g. `http://127.0.0.1:4318`. */
  get url(): string {
    const address = this._server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  get ready(): boolean {
    return this._server.listening && !this._draining && this._forwarding.queued < this._config.limits.maxQueueSpans;
  }

  /**
   * Stops accepting requests, then decides every held turn, forwards every
   * accepted span, closes the files and flushes metrics. Idempotent.
   */
  shutdown(): Promise<void> {
    this._stopped ??= this._doShutdown();
    return this._stopped;
  }

  private async _doShutdown(): Promise<void> {
    this._draining = true;
    // Retries of a backend outage must not hold the stop past the shutdown timeout: what still fails then is counted lost.
    this._forwarding.drainBy(this._config.shutdownTimeoutMs);
    const closed = new Promise<void>(resolveClose => {
      this._server.close(() => {
        resolveClose();
      });
    });
    this._server.closeIdleConnections();
    const timeout = setTimeout(() => {
      this._server.closeAllConnections();
    }, this._config.shutdownTimeoutMs);
    timeout.unref();
    await Promise.all([closed, this._grpc?.shutdown(this._config.shutdownTimeoutMs)]);
    clearTimeout(timeout);
    await this.processor.forceFlush();
    await this.processor.shutdown();
    await this._findingsFile?.close();
    await this._meterProvider.shutdown();
  }

  private _route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === TRACES_PATH) {
      if (req.method !== 'POST') {
        this._reject(res, new HttpError(405, 'method_not_allowed', `use POST on ${TRACES_PATH}`), undefined);
        return;
      }
      this._ingest(req, res).catch((error: unknown) => {
        diag.error('agent-triage gateway: request failed', error);
        if (!res.headersSent) sendError(res, new HttpError(500, 'internal', 'internal error'), undefined);
      });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
    } else if (req.method === 'GET' && path === '/readyz') {
      sendJson(res, this.ready ? 200 : 503, { status: this.ready ? 'ready' : this._draining ? 'shutting_down' : 'queue_full' });
    } else if (req.method === 'GET' && path === '/metrics' && this._prometheus) {
      this._prometheus.getMetricsRequestHandler(req, res);
    } else {
      this._reject(res, new HttpError(404, 'not_found', `no route for ${req.method ?? ''} ${path ?? ''}`), undefined);
    }
  }

  private async _ingest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let encoding: OtlpEncoding | undefined;
    try {
      this._checkOpen();
      checkBearer(req.headers.authorization, this._bearerToken);
      encoding = encodingOf(req.headers['content-type']);
      const body = await readBody(req, this._config.limits.maxRequestBytes);
      const request = decodeTraceRequest(body, encoding);
      this._admit(request, encoding);
      // Answered before triage: the answer's write goes out now, and the sender prepares its next request while
      // this one is judged. Accepted spans are fed in this same tick, whatever the answer's write does.
      try {
        sendExportResponse(res, encoding, request.rejected, request.errorMessage);
      } finally {
        this._feed(request);
      }
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      this._reject(res, error, encoding);
    }
  }

  private _exportGrpc(body: Buffer, authorization: string | undefined): DecodedRequest {
    this._checkOpen();
    checkBearer(authorization, this._bearerToken);
    const request = decodeTraceRequest(body, 'protobuf');
    this._admit(request, 'grpc');
    this._feed(request);
    return request;
  }

  /** @throws HttpError 503 while shutting down */
  private _checkOpen(): void {
    if (this._draining) throw new HttpError(503, 'shutting_down', 'the gateway is shutting down', this._config.limits.retryAfterSeconds);
  }

  /**
   * Admits a decoded request (either transport): counted and expected by the forwarder; `_feed` then feeds it.
   * @throws HttpError 503 + Retry-After when it would overfill the queue (an
   * empty queue takes any request, so none waits forever). 503 rather than
   * 429: the gateway is overloaded for every sender, not rate-limiting this
   * one; OTLP clients retry both.
   */
  private _admit(request: DecodedRequest, transport: Transport): void {
    this._checkOpen();
    const queued = this._forwarding.queued;
    if (queued > 0 && queued + request.spans.length > this._config.limits.maxQueueSpans) {
      this.metrics.rejectedSpans.add(['queue_full'], request.spans.length);
      throw new HttpError(503, 'queue_full', `the gateway queue is full (${queued} spans)`, this._config.limits.retryAfterSeconds);
    }
    if (request.rejected > 0) this.metrics.rejectedSpans.add(['bad_data'], request.rejected);
    this._forwarding.expect(request.spans.length);
    this.metrics.received.add([transport], request.spans.length);
  }

  /** Feeds an admitted request's spans to the processor (which never throws). */
  private _feed(request: DecodedRequest): void {
    for (const span of feedOrder(request.spans)) this.processor.onEnd(span);
  }

  private _reject(res: ServerResponse, error: HttpError, encoding: OtlpEncoding | undefined): void {
    this.metrics.rejectedRequests.add([error.reason]);
    sendError(res, error, encoding);
  }

  private _writeFinding(finding: Finding): void {
    this._findingsFile?.append(findingToJsonLine(finding)).catch((error: unknown) => {
      diag.error('agent-triage gateway: cannot write findings.jsonl', error);
    });
  }
}

/** `service.name` agent-triage-gateway unless `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` say otherwise. */
function gatewayResource(): Resource {
  return resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'agent-triage-gateway' }).merge(detectResources({ detectors: [envDetector] }));
}
