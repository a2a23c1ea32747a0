import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';
import { encodeRpcStatusProto, encodeTraceResponseProto } from './otlp-proto.js';
import type { OtlpEncoding } from './trace-request.js';

export const TRACES_PATH = '/v1/traces';

/** The protobuf ExportTraceServiceResponse of a full success: an empty message, zero bytes. */
const FULL_SUCCESS = encodeTraceResponseProto(0, '');

/** OTLP/HTTP success: an ExportTraceServiceResponse, with partial success when some spans were refused. */
export function sendExportResponse(res: ServerResponse, encoding: OtlpEncoding, rejectedSpans: number, errorMessage: string): void {
  if (encoding === 'protobuf') {
    send(res, 200, 'application/x-protobuf', rejectedSpans > 0 || errorMessage !== '' ? encodeTraceResponseProto(rejectedSpans, errorMessage) : FULL_SUCCESS);
    return;
  }
  const body = rejectedSpans > 0 ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } } : {};
  send(res, 200, 'application/json', JSON.stringify(body));
}

/** OTLP/HTTP failure: a google.rpc.Status in the request's encoding (JSON when it had none we know). */
export function sendError(res: ServerResponse, error: HttpError, encoding: OtlpEncoding | undefined): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(error.retryAfterSeconds));
  if (error.status === 401) res.setHeader('www-authenticate', 'Bearer');
  // The body may not have been read; do not let the client send it into a reused connection.
  if (error.status === 413) res.setHeader('connection', 'close');
  const code = grpcCodeOf(error.status);
  if (encoding === 'protobuf') {
    send(res, error.status, 'application/x-protobuf', encodeRpcStatusProto(code, error.message));
    return;
  }
  send(res, error.status, 'application/json', JSON.stringify({ code, message: error.message }));
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Uint8Array): void {
  const length = Buffer.byteLength(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': length });
  // Without a chunk, the head goes out in one write; an empty chunk would make it two.
  if (length === 0) res.end();
  else res.end(body);
}

/** The gRPC status code matching an HTTP status, for the Status body. */
function grpcCodeOf(status: number): number {
  switch (status) {
    case 400:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 404:
      return 5; // NOT_FOUND
    case 413:
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return status >= 500 ? 13 : 3; // INTERNAL : INVALID_ARGUMENT
  }
}

/** Checks an `Authorization: Bearer <token>` header (HTTP) or metadata (gRPC) in constant time. @throws HttpError 401 */
export function checkBearer(authorization: string | undefined, token: string | undefined): void {
  if (token === undefined) return;
  const header = authorization ?? '';
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpError(401, 'unauthorized', header === '' ? 'missing bearer token' : 'invalid bearer token');
  }
}
