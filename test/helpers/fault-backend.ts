import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spansFromTraceRequest } from '../../src/otlp/parse-trace-request.js';
import { forwardedRequest } from './gateway.js';

/** How the backend behaves right now. */
export type BackendMode =
  | { readonly kind: 'up' }
  /** The port is closed: connections are refused. */
  | { readonly kind: 'refuse' }
  /** Answers every request with this status and `Retry-After` seconds. */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds: number }
  /** Takes the request, answers 200 after `delayMs` (a global timer: fake timers drive it). */
  | { readonly kind: 'slow'; readonly delayMs: number };

/**
 * An OTLP/HTTP backend on a fixed loopback port whose behaviour a test
 * switches over time. A request counts as delivered when the backend answers
 * it 200 on a live connection; every attempt is recorded with `Date.now()`.
 */
export class FaultBackend {
  /** Span ids of delivered requests, with repeats if any was delivered twice. */
  readonly delivered: string[] = [];
  readonly attempts: { readonly at: number; readonly body: string }[] = [];
  private _mode: BackendMode = { kind: 'up' };
  private _server: Server | undefined;
  private _port = 0;

  static async start(): Promise<FaultBackend> {
    const backend = new FaultBackend();
    await backend._listen();
    return backend;
  }

  get url(): string {
    return `http://127.0.0.1:${this._port}/v1/traces`;
  }

  async set(mode: BackendMode): Promise<void> {
    const wasClosed = this._mode.kind === 'refuse';
    this._mode = mode;
    if (mode.kind === 'refuse' && !wasClosed) await this._close();
    if (mode.kind !== 'refuse' && wasClosed) await this._listen();
  }

  async close(): Promise<void> {
    if (this._mode.kind !== 'refuse') await this._close();
  }

  private _handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.attempts.push({ at: Date.now(), body: body.toString('base64') });
      const mode = this._mode;
      if (mode.kind === 'status') {
        res.writeHead(mode.status, { 'retry-after': String(mode.retryAfterSeconds), 'content-type': 'application/json' }).end('{"code":14,"message":"try later"}');
        return;
      }
      const deliver = () => {
        if (res.destroyed) return;
        const spans = spansFromTraceRequest(forwardedRequest({ path: req.url ?? '', contentType: req.headers['content-type'], body }), 'backend');
        this.delivered.push(...spans.map(s => s.spanContext().spanId));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      };
      if (mode.kind === 'slow') setTimeout(deliver, mode.delayMs);
      else deliver();
    });
  }

  private async _listen(): Promise<void> {
    const server = createServer((req, res) => {
      this._handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this._port, '127.0.0.1', () => {
        resolve();
      });
    });
    this._port = (server.address() as AddressInfo).port;
    this._server = server;
  }

  private async _close(): Promise<void> {
    const server = this._server;
    if (!server) return;
    this._server = undefined;
    const closed = new Promise<void>(resolve => {
      server.close(() => {
        resolve();
      });
    });
    server.closeAllConnections();
    await closed;
  }
}

/** A POST over node:http (no timers of its own, so it works under fake timers). */
export function post(url: string, body: string, contentType = 'application/json'): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, res => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
