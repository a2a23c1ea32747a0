import { trace } from '@opentelemetry/api';
import { describe, it } from 'vitest';
import { SCENARIOS } from '../../examples/demo/scenarios.js';
import { runAgent } from '../../examples/demo/toy-agent.js';
import { enableAsyncContext } from '../helpers/agent-scenarios.js';
import { expectCorpusGoldens, goldenRecorder, runTurns } from './golden.js';

describe('golden verdicts: the demo (examples/demo) scenarios', () => {
  it('scan findings and span enrichment match the goldens', async () => {
    enableAsyncContext();
    const recorder = goldenRecorder();
    // The toy agent traces with the global tracer, as the demo registers it.
    trace.setGlobalTracerProvider(recorder.provider);
    await runTurns(recorder, SCENARIOS, scenario => runAgent(scenario, 'What is the weather in Paris?'));
    await expectCorpusGoldens('demo', recorder);
  });
});
