import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { ServiceDefinition, ServiceError, UntypedHandleCall } from '@grpc/grpc-js';
import { HttpError } from './http-error.js';
import { encodeTraceResponseProto } from './otlp-proto.js';

/**
 * Handles one Export call: the raw protobuf request and the `authorization`
 * metadata in, the partial-success counts out. @throws HttpError
 */
export type GrpcExportHandler = (body: Buffer, authorization: string | undefined) => { rejected: number; errorMessage: string };

/** TraceService/Export with raw bytes in and out: decoding is ours, so a bad message gets our error. */
const TRACE_SERVICE: ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Uint8Array) => Buffer.from(value),
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

/** OTLP/gRPC on its own port, sharing the HTTP receiver's pipeline, limits and token. */
export class OtlpGrpcReceiver {
  private readonly _server: Server;
  readonly port: number;

  private constructor(server: Server, port: number) {
    this._server = server;
    this.port = port;
  }

  static start(host: string, port: number, maxRequestBytes: number, handle: GrpcExportHandler, onRejected: (error: HttpError) => void): Promise<OtlpGrpcReceiver> {
    const server = new Server({ 'grpc.max_receive_message_length': maxRequestBytes });
    const exportCall: UntypedHandleCall = (call: { request: Buffer; metadata: { get(key: string): (string | Buffer)[] } }, callback: (error: Partial<ServiceError> | null, value?: Uint8Array) => void) => {
      try {
        const authorization = call.metadata.get('authorization')[0]?.toString();
        const { rejected, errorMessage } = handle(call.request, authorization);
        callback(null, encodeTraceResponseProto(rejected, errorMessage));
      } catch (error) {
        const refused = error instanceof HttpError ? error : new HttpError(500, 'internal', 'internal error');
        onRejected(refused);
        callback({ code: grpcStatusOf(refused), details: refused.message });
      }
    };
    server.addService(TRACE_SERVICE, { Export: exportCall });
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) => {
        if (error) reject(error);
        else resolve(new OtlpGrpcReceiver(server, boundPort));
      });
    });
  }

  /** Lets running calls finish, then stops; forces it after `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this._server.forceShutdown();
        resolve();
      }, timeoutMs);
      timer.unref();
      this._server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Backpressure is UNAVAILABLE, the code OTLP/gRPC senders retry. */
function grpcStatusOf(error: HttpError): status {
  switch (error.status) {
    case 400:
      return status.INVALID_ARGUMENT;
    case 401:
      return status.UNAUTHENTICATED;
    case 413:
      return status.RESOURCE_EXHAUSTED;
    case 429:
    case 503:
      return status.UNAVAILABLE;
    default:
      return status.INTERNAL;
  }
}
