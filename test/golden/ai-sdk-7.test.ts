import { describe, it } from 'vitest';
import { SCENARIOS, enableAsyncContext } from '../helpers/agent-scenarios.js';
import { AI_SDK_7_SUITE, AI_SDK_7_SUPPORTED, AiSdk7Agent } from '../helpers/ai-sdk-7-agent.js';
import { expectCorpusGoldens, goldenRecorder, runTurns } from './golden.js';

// Skipped where AI SDK 7 cannot run (Node < 22), as its convention test is; the Node 22 run checks it.
describe.skipIf(!AI_SDK_7_SUPPORTED)(`golden verdicts: ${AI_SDK_7_SUITE}`, () => {
  it('scan findings and span enrichment match the goldens', async () => {
    enableAsyncContext();
    const recorder = goldenRecorder();
    const agent = await AiSdk7Agent.register(recorder.provider.getTracer('golden-agent'));
    await runTurns(recorder, SCENARIOS, scenario => agent.runTurn(scenario));
    await expectCorpusGoldens('ai-sdk-7', recorder);
  });
});
