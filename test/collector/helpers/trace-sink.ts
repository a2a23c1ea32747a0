import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { decodeTraceRequestProto } from '../../../src/gateway/otlp-proto.js';
import { spansFromTraceRequest } from '../../../src/otlp/parse-trace-request.js';

/** The tracing backend of these tests: an OTLP/HTTP server on loopback that keeps every span it is sent. */
export interface TraceSink {
  /** Base URL, e.g. `http://127.0.0.1:4318`: an otlphttp exporter's `endpoint`. */
  readonly url: string;
  readonly spans: ReadableSpan[];
  close(): Promise<void>;
}

export async function startTraceSink(): Promise<TraceSink> {
  const spans: ReadableSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // The Collector's otlphttp exporter compresses with gzip by default.
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const json = (req.headers['content-type'] ?? '').startsWith('application/json');
      try {
        spans.push(...spansFromTraceRequest(json ? JSON.parse(body.toString('utf8')) : decodeTraceRequestProto(body), req.url ?? ''));
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end((error as Error).message);
        return;
      }
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}

export const spanKey = (span: ReadableSpan): string => `${span.spanContext().traceId}/${span.spanContext().spanId}`;
