/**
 * The gateway side of `npm run soak`: a gateway from the build, run as a child
 * process (forked, so the soak can ask it for its memory over IPC).
 */
import { Gateway, resolveGatewayConfig } from '../dist/gateway/index.js';

const config = resolveGatewayConfig(JSON.parse(process.argv[2] ?? '{}'));
const gateway = await Gateway.start(config);
process.send?.({ kind: 'ready', url: gateway.url });
process.on('message', (message: { kind: string }) => {
  if (message.kind === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({
      kind: 'memory',
      memory: process.memoryUsage(),
      received: gateway.metrics.received.get(['protobuf']),
      forwardedOk: gateway.metrics.forwarded.get(['otlp', 'ok']),
      forwardedFailed: gateway.metrics.forwarded.get(['otlp', 'failed']),
      rejected: gateway.metrics.rejectedSpans.get(['queue_full']),
    });
  }
});
process.once('SIGTERM', () => {
  void gateway.shutdown().then(() => process.exit(0));
});
