import { describe, it } from 'vitest';
import { SCENARIOS, enableAsyncContext } from '../helpers/agent-scenarios.js';
import { runAiSdk6Turn } from '../helpers/ai-sdk-6-agent.js';
import { expectCorpusGoldens, goldenRecorder, runTurns } from './golden.js';

describe('golden verdicts: AI SDK 6 scenarios', () => {
  it('scan findings and span enrichment match the goldens', async () => {
    enableAsyncContext();
    const recorder = goldenRecorder();
    const tracer = recorder.provider.getTracer('golden-agent');
    await runTurns(recorder, SCENARIOS, scenario => runAiSdk6Turn(tracer, scenario));
    await expectCorpusGoldens('ai-sdk-6', recorder);
  });
});
