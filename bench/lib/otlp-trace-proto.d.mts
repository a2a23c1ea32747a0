import type { Type } from 'protobufjs';

export declare const traceRequestType: Type;
export declare function decodeTraceRequest(bytes: Uint8Array): { resourceSpans?: unknown[] };
export declare function spanTraceIds(request: unknown): string[];
