import { describe, it } from 'vitest';
import { SCENARIOS, enableAsyncContext } from '../helpers/agent-scenarios.js';
import { instrumentLangChain, runLangGraphTurn } from '../helpers/langgraph-agent.js';
import { expectCorpusGoldens, goldenRecorder, runTurns } from './golden.js';

describe('golden verdicts: OpenInference (LangGraph) scenarios', () => {
  it('scan findings and span enrichment match the goldens', async () => {
    enableAsyncContext();
    const recorder = goldenRecorder();
    instrumentLangChain(recorder.provider);
    await runTurns(recorder, SCENARIOS, runLangGraphTurn);
    await expectCorpusGoldens('openinference-langgraph', recorder);
  });
});
