import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { OtlpHttpPoster, resolveOtlpHttpOptions } from '../../src/gateway/otlp-http-target.js';
import { DEFAULT_RETRY, backoffDelayMs, parseRetryAfterMs } from '../../src/gateway/retry-policy.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>(resolve => {
    if (server) server.close(() => { resolve(); });
    else resolve();
  });
  server = undefined;
});

/** A loopback server answering every request with `answer`; returns its URL and what it received. */
async function serve(answer: (res: ServerResponse) => void): Promise<{ url: string; got: { headers: IncomingHttpHeaders; body: Buffer }[] }> {
  const got: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      answer(res);
    });
  });
  await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, got };
}

const poster = (url: string, extra: Partial<Parameters<typeof resolveOtlpHttpOptions>[0]> = {}, env: NodeJS.ProcessEnv = {}) =>
  new OtlpHttpPoster(resolveOtlpHttpOptions({ endpoint: url, ...extra }, env));

describe('forwarding over OTLP/HTTP', () => {
  it('reads the standard variables, the config winning, signal-specific before general', () => {
    const options = resolveOtlpHttpOptions(
      { headers: { 'x-config': '1' } },
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-general=a%20b,x-both=general',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-both=traces',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      },
    );
    expect(options).toEqual({ url: new URL('http://collector:4318/v1/traces'), headers: { 'x-general': 'a b', 'x-both': 'traces', 'x-config': '1' }, timeoutMs: 2500, compression: 'gzip' });
    expect(resolveOtlpHttpOptions({ endpoint: 'http://a:1/x', timeoutMillis: 7 }, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:2/y' })).toMatchObject({ url: new URL('http://a:1/x'), timeoutMs: 7 });
    expect(resolveOtlpHttpOptions({}, {}).timeoutMs).toBe(10_000);
  });

  it('refuses a malformed variable, naming it', () => {
    expect(() => resolveOtlpHttpOptions({}, { OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' })).toThrow(ConfigError);
    expect(() => resolveOtlpHttpOptions({}, { OTEL_EXPORTER_OTLP_COMPRESSION: 'br' })).toThrow('environment: OTEL_EXPORTER_OTLP_COMPRESSION');
  });

  it('posts protobuf (gzip when asked) with the configured headers, and says ok on 2xx', async () => {
    const { url, got } = await serve(res => res.writeHead(200).end());
    const p = poster(url, { headers: { authorization: 'Bearer t' } }, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
    expect(await p.post(new Uint8Array([1, 2, 3]), 'application/x-protobuf')).toEqual({ kind: 'ok' });
    p.close();
    expect(got[0]?.headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', authorization: 'Bearer t' });
    expect([...gunzipSync(got[0]?.body ?? Buffer.alloc(0))]).toEqual([1, 2, 3]);
  });

  it.each([
    [503, { 'retry-after': '12' }, { kind: 'retryable', retryAfterMs: 12_000 }],
    [429, {}, { kind: 'retryable' }],
    [502, {}, { kind: 'retryable' }],
    [504, {}, { kind: 'retryable' }],
    [400, {}, { kind: 'permanent' }],
    [500, {}, { kind: 'permanent' }],
    [404, {}, { kind: 'permanent' }],
  ])('classifies HTTP %i as the OTLP spec says', async (status, headers, expected) => {
    const { url } = await serve(res => res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end('{"message":"why"}'));
    const p = poster(url);
    const outcome = await p.post(new Uint8Array([1]), 'application/x-protobuf');
    p.close();
    expect(outcome).toMatchObject(expected);
    expect('message' in outcome && outcome.message).toBe(`HTTP ${status}: {"message":"why"}`);
  });

  it('calls a refused connection and a timeout retryable', async () => {
    const { url } = await serve(() => undefined); // never answers
    const slow = poster(url, { timeoutMillis: 50 });
    expect(await slow.post(new Uint8Array([1]), 'application/x-protobuf')).toMatchObject({ kind: 'retryable', message: expect.stringContaining('no answer within 50 ms') as string });
    slow.close();
    const closed = await serve(res => res.end());
    server?.close();
    server = undefined;
    const refused = poster(closed.url);
    expect(await refused.post(new Uint8Array([1]), 'application/x-protobuf')).toMatchObject({ kind: 'retryable', message: expect.stringContaining('ECONNREFUSED') as string });
    refused.close();
  });
});

describe('retry policy', () => {
  it('backs off exponentially within ±50% jitter, capped at maxIntervalMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, random) => {
        const nominal = Math.min(30_000, 5000 * 1.5 ** attempt);
        const delay = backoffDelayMs(attempt, DEFAULT_RETRY, () => random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal * 0.5));
        expect(delay).toBeLessThanOrEqual(Math.ceil(nominal * 1.5));
      }),
    );
    expect(DEFAULT_RETRY).toEqual({ initialIntervalMs: 5000, maxIntervalMs: 30_000, maxElapsedMs: 300_000 });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2027, 0, 4, 12);
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs(new Date(now + 20_000).toUTCString(), now)).toBe(20_000);
    expect(parseRetryAfterMs(new Date(now - 20_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
  });
});
