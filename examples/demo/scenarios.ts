import type { Scenario, Tool } from './toy-agent.js';

const weatherTools: Readonly<Record<string, Tool>> = {
  get_weather: (args: Record<string, unknown>) => ({ city: args['city'], temp_c: 14, sky: 'rain' }),
  get_time: () => ({ tz: 'CET', time: '09:15' }),
};

/** Healthy turns and one turn per failure the core signals detect. */
export const SCENARIOS: readonly Scenario[] = [
  {
    title: 'healthy: plan two tools, run them, answer',
    agent: 'weather-agent',
    tools: weatherTools,
    replies: [
      { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }, { id: 'call_2', name: 'get_time', args: { tz: 'CET' } }] },
      { text: 'It is 09:15 in Paris and 14°C with rain.' },
    ],
  },
  { title: 'healthy: answer directly', agent: 'weather-agent', tools: weatherTools, replies: [{ text: 'Hello! Ask me about the weather.' }] },
  { title: 'provider returns HTTP 503', agent: 'weather-agent', tools: weatherTools, replies: [{ providerError: 503 }] },
  {
    title: 'a tool throws',
    agent: 'billing-agent',
    tools: {
      lookup_invoice: (): never => {
        throw new Error('invoice service unavailable');
      },
    },
    replies: [{ toolCalls: [{ id: 'call_9', name: 'lookup_invoice', args: { id: 'INV-7' } }] }, { text: 'I could not reach the invoice service.' }],
  },
  {
    title: 'the model loops without calling tools',
    agent: 'billing-agent',
    tools: {},
    replies: [{ thinking: 'Let me think about invoices.' }, { thinking: 'Still thinking.' }, { thinking: 'Maybe more thinking.' }, { text: 'I am not sure.' }],
  },
  {
    title: 'a planned tool call is never executed',
    agent: 'weather-agent',
    tools: weatherTools,
    dropsCallsTo: ['get_time'],
    replies: [
      { toolCalls: [{ id: 'call_3', name: 'get_weather', args: { city: 'Oslo' } }, { id: 'call_4', name: 'get_time', args: { tz: 'CET' } }] },
      { text: 'Oslo: 14°C.' },
    ],
  },
];
