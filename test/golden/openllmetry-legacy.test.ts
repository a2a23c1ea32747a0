import { describe, it } from 'vitest';
import { SCENARIOS } from '../helpers/agent-scenarios.js';
import { runScenarioTurn, withFakeOpenAi } from '../helpers/openai-agent.js';
import { initializeLegacyOpenLLMetry } from '../helpers/openllmetry-legacy.js';
import { expectCorpusGoldens, goldenRecorder, runTurns } from './golden.js';

describe('golden verdicts: OpenLLMetry legacy indexed format scenarios', () => {
  it('scan findings and span enrichment match the goldens', async () => {
    // Traceloop runs its own provider: the triage processor is its extra processor, its exporter keeps the raw spans.
    const recorder = goldenRecorder();
    initializeLegacyOpenLLMetry(recorder.processor, recorder.raw);
    await withFakeOpenAi((server, client) => runTurns(recorder, SCENARIOS, scenario => runScenarioTurn(server, client, scenario)));
    await expectCorpusGoldens('openllmetry-legacy', recorder);
  });
});
