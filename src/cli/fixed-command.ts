import { z } from 'zod';
import { createNoopMeter } from '@opentelemetry/api';
import { describeZodError } from '../config/config-error.js';
import { storeLoopStatePort } from '../loop/create-loop.js';
import { TriageLoop } from '../loop/triage-loop.js';
import { defaultStatePath } from '../state/state-path.js';
import { FileStatePersistence } from '../state/file-persistence.js';
import { StateStore } from '../state/state-store.js';
import { readLoopStateFile } from './loop-state-file.js';
import type { Writable } from './writable.js';

const fixedArgs = z.strictObject({
  fingerprints: z.array(z.string().regex(/^[0-9a-f]{16}$/, 'a fingerprint is 16 hex digits')).min(1),
  state: z.string().min(1).default(() => defaultStatePath()),
  version: z.string().min(1).optional(),
});

/**
 * `agent-triage fixed`: marks fingerprints fixed by hand in a state file
 * (the rest of the file, e.g. baselines, is kept). Exit 0 when every one was
 * marked, 1 when some were unknown or not open, 2 on bad arguments or an
 * unusable state file.
 */
export async function runFixed(fingerprints: string[], options: Record<string, unknown>, out: Writable, err: Writable): Promise<number> {
  const args = fixedArgs.safeParse({ fingerprints, ...options });
  if (!args.success) {
    err.write(`agent-triage fixed: ${describeZodError('arguments', args.error)}\n`);
    return 2;
  }
  const readable = readLoopStateFile(args.data.state); // read-only check first: never set a user's file aside from here
  if (!readable.ok) {
    err.write(`agent-triage fixed: ${readable.error}\n`);
    return 2;
  }
  const problems: string[] = [];
  const store = new StateStore({
    maxKeys: Number.MAX_SAFE_INTEGER,
    persistence: new FileStatePersistence(args.data.state),
    now: Date.now,
    hooks: {
      onEvicted: () => undefined,
      onInvalidValue: () => problems.push('the loop state in it is invalid'),
      onPersistError: (operation, error) => problems.push(`cannot ${operation}: ${(error as Error).message}`),
    },
  });
  const loop = new TriageLoop({ state: storeLoopStatePort(store) }, createNoopMeter(), undefined, (_reason, error) => {
    problems.push(String(error));
  });
  if (problems.length > 0) {
    err.write(`agent-triage fixed: ${args.data.state}: ${problems.join('; ')}\n`);
    return 2;
  }
  let missed = 0;
  for (const fingerprint of args.data.fingerprints) {
    if (loop.markFixed(fingerprint, args.data.version)) {
      out.write(`${fingerprint}: fixed\n`);
    } else {
      missed++;
      const record = loop.state().fingerprints.find(r => r.fingerprint === fingerprint);
      err.write(`${fingerprint}: ${record ? `already ${record.status}` : 'unknown fingerprint'} in ${args.data.state}\n`);
    }
  }
  loop.saveState();
  await store.flush();
  if (problems.length > 0) {
    err.write(`agent-triage fixed: ${args.data.state}: ${problems.join('; ')}\n`);
    return 2;
  }
  return missed > 0 ? 1 : 0;
}
