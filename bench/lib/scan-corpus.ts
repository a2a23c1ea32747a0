/**
 * A large OTLP/JSON corpus for the scan bench: mix turns recorded by the real
 * SDK and serialized by the real OTLP JSON serializer, 10 turns (100 spans)
 * per request, each request 10 s of recorded time after the one before, so
 * the corpus spans hours like real traffic. Written as one request per file
 * (`json/`) or as JSON Lines in the Collector's file-exporter layout
 * (`traces.json`, int64 values as strings).
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { failuresAmong, mixTurnsRecorded, recordMixTurns, MIX_SPANS_PER_TURN } from './agent-mix.js';

export const TURNS_PER_REQUEST = 10;
const STEP_NS = 10_000_000_000n;

/** One OTLP/JSON request of `TURNS_PER_REQUEST` turns, shifted `index` steps into recorded time. */
function request(index: number, intValuesAsStrings: boolean): string {
  const spans = recordMixTurns(TURNS_PER_REQUEST);
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('serializer returned nothing');
  const shift = BigInt(index) * STEP_NS;
  let text = new TextDecoder().decode(bytes).replace(/"(start|end)TimeUnixNano":"(\d+)"/g, (_m, which: string, nanos: string) => `"${which}TimeUnixNano":"${BigInt(nanos) + shift}"`);
  if (intValuesAsStrings) text = text.replace(/"intValue":(-?\d+)/g, '"intValue":"$1"');
  return text;
}

/** Writes a corpus of about `spans` spans; `failures` is how many of its turns fail (one finding each). */
export async function writeCorpus(dir: string, spans: number, layout: 'json-files' | 'json-lines'): Promise<{ path: string; spans: number; failures: number }> {
  const requests = Math.ceil(spans / (TURNS_PER_REQUEST * MIX_SPANS_PER_TURN));
  const firstTurn = mixTurnsRecorded();
  const written = (path: string) => ({ path, spans: requests * TURNS_PER_REQUEST * MIX_SPANS_PER_TURN, failures: failuresAmong(firstTurn, mixTurnsRecorded()) });
  if (layout === 'json-files') {
    const folder = join(dir, 'json');
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < requests; i++) writeFileSync(join(folder, `${String(i).padStart(6, '0')}.json`), request(i, false));
    return written(folder);
  }
  const path = join(dir, 'traces.json');
  const out = createWriteStream(path);
  for (let i = 0; i < requests; i++) {
    if (!out.write(`${request(i, true)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return written(path);
}
