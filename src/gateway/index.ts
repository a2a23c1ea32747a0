export { Gateway } from './gateway.js';
export { DEFAULT_LISTEN, DEFAULT_OUT_DIR, gatewayConfigSchema, loadGatewayConfigFile, resolveGatewayConfig } from './gateway-config.js';
export type { GatewayConfig, GatewayConfigInput } from './gateway-config.js';
export { GATEWAY_METER_NAME } from './gateway-metrics.js';
