import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Finding } from '../engine/finding.js';
import { hrTimeToMs } from '../normalize/normalize-span.js';
import type { SpanView } from '../normalize/span-view.js';
import type { TurnView } from '../turns/turn-view.js';
import type { LoopObservation } from './triage-loop.js';

/** A decided turn as the loop sees it; the version is the agent's, else the service's. */
export function turnObservation(turn: TurnView, rootSpan: ReadableSpan | undefined, findings: readonly Finding[]): LoopObservation {
  const serviceVersion = rootSpan?.resource.attributes[ATTR_SERVICE_VERSION];
  return {
    agentName: turn.agentName,
    agentVersion: turn.agentVersion ?? (typeof serviceVersion === 'string' ? serviceVersion : undefined),
    timeMs: rootSpan ? hrTimeToMs(rootSpan.endTime) : Math.max(0, ...turn.steps.map(step => step.endMs)),
    findings,
  };
}

/** Findings of a span that could not join its turn. */
export function strayObservation(view: SpanView, agentName: string | undefined, findings: readonly Finding[]): LoopObservation {
  return { agentName, agentVersion: view.agentVersion, timeMs: view.endMs, findings };
}
