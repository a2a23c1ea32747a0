import { createNoopMeter } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/api';
import { WebhookAlertSink } from '../alerts/webhook-sink.js';
import type { WebhookAlertOptions } from '../alerts/webhook-options.js';
import { METER_NAME } from '../emit/triage-metrics.js';
import type { LoopOptions } from './loop-options.js';
import { TriageLoop } from './triage-loop.js';

/** The processor's loop: always on (in memory unless `loop.state` is set), alerting when `alerts` is set. */
export function createTriageLoop(
  options: { loop?: LoopOptions | undefined; alerts?: WebhookAlertOptions | undefined; meterProvider?: MeterProvider | undefined },
  onError: (reason: string, error: unknown) => void,
): TriageLoop {
  const meter = options.meterProvider?.getMeter(METER_NAME) ?? createNoopMeter();
  const alerts = options.alerts ? new WebhookAlertSink(options.alerts, meter) : undefined;
  return new TriageLoop(options.loop ?? {}, meter, alerts, onError);
}
