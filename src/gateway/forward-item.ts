import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { originalOf } from '../emit/span-enrichment.js';

/**
 * Where a received span's forwarded form comes from, kept on the span the
 * triage pipeline reads (and found through the copies enrichment makes), so
 * the gateway's `next` finds it without a lookup.
 */
export const FORWARD = Symbol('agent-triage.forward');

/** The envelope a span was received in: its resource and scope, as their original bytes. */
export interface ScopeGroup {
  readonly resource: { readonly bytes: Uint8Array | undefined; readonly schemaUrl: string };
  readonly scopeBytes: Uint8Array | undefined;
  readonly schemaUrl: string;
}

/**
 * Received as OTLP/protobuf: where the span's own bytes are in the request
 * body (forwarded as they are, plus what triage wrote) and the attributes it
 * arrived with. Received as OTLP/JSON: a lossless `ReadableSpan` to serialize.
 */
export interface ProtoForward {
  /** The request body the span came in; its bytes are `body[start, end)`. */
  readonly body: Buffer;
  readonly start: number;
  readonly end: number;
  readonly group: ScopeGroup;
  readonly attributes: Attributes;
}

export type ForwardSource = ProtoForward | { readonly readable: ReadableSpan };

export function forwardSourceOf(span: ReadableSpan): ForwardSource | undefined {
  return (originalOf(span) as { [FORWARD]?: ForwardSource })[FORWARD];
}
