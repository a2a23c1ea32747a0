import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { OpenAIInstrumentation as LegacyOpenAIInstrumentation } from 'traceloop-instrumentation-openai-legacy';
import { initializeTraceloop } from './openai-agent.js';

/**
 * Traceloop's SDK for the agent and tool spans, with the legacy 0.22.5 OpenAI
 * instrumentation (installed side by side under an alias) for the chat spans.
 */
export function initializeLegacyOpenLLMetry(processor: SpanProcessor, exporter: SpanExporter): void {
  // Nothing instrumented by the SDK itself: the legacy instrumentation below does OpenAI.
  initializeTraceloop(processor, exporter, { langchain: false });
  // Left on its default provider, it finds Traceloop's global through its own API copy; the test's
  // copy is api 1.10 on the 3.x run and cannot see a global that Traceloop's api 1.9 registered.
  const legacy = new LegacyOpenAIInstrumentation();
  legacy.manuallyInstrument(OpenAI);
}
