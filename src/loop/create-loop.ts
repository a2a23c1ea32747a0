import { createNoopMeter } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/api';
import { WebhookAlertSink } from '../alerts/webhook-sink.js';
import type { WebhookAlertOptions } from '../alerts/webhook-options.js';
import { METER_NAME } from '../emit/triage-metrics.js';
import type { StateStore } from '../state/state-store.js';
import type { LoopOptions } from './loop-options.js';
import { loopStateSchema } from './loop-state.js';
import type { LoopStatePort } from './loop-state-port.js';
import { TriageLoop } from './triage-loop.js';

/** The state store namespace and key the loop keeps its state under. */
export const LOOP_STATE_NAMESPACE = 'loop';
export const LOOP_STATE_KEY = 'state';

/** The loop's state as one value of the shared state store. */
export function storeLoopStatePort(store: StateStore): LoopStatePort {
  const space = store.namespace(LOOP_STATE_NAMESPACE, loopStateSchema);
  return {
    load: () => space.get(LOOP_STATE_KEY),
    save: state => {
      space.set(LOOP_STATE_KEY, state);
    },
  };
}

/**
 * The processor's loop: always on, its state kept in the processor's state
 * store unless `loop.state` names another port; alerting when `alerts` is set.
 */
export function createTriageLoop(
  options: { loop?: LoopOptions | undefined; alerts?: WebhookAlertOptions | undefined; meterProvider?: MeterProvider | undefined },
  store: StateStore,
  onError: (reason: string, error: unknown) => void,
): TriageLoop {
  const meter = options.meterProvider?.getMeter(METER_NAME) ?? createNoopMeter();
  const alerts = options.alerts ? new WebhookAlertSink(options.alerts, meter) : undefined;
  const loop = options.loop ?? {};
  return new TriageLoop({ ...loop, state: loop.state ?? storeLoopStatePort(store) }, meter, alerts, onError);
}
