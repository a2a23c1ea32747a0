import { z } from 'zod';
import { boundedName, DEFAULT_MAX_NAME_CHARS } from '../normalize/attribute-reader.js';
import { sha256Of } from '../normalize/content-hash.js';
import { isFailed } from '../normalize/span-view.js';
import { JoinedKeys } from '../state/joined-keys.js';
import type { SpanView } from '../normalize/span-view.js';
import type { Signal, SignalDeps } from './signal.js';

export const TOOL_BEHAVIOURS = ['deterministic', 'non_deterministic', 'stateful'] as const;

/** Span attribute with a precomputed `sha256:` hash of a tool call's arguments (the default of `argsHashAttribute`). */
export const ATTR_TOOL_ARGS_HASH = 'agent_triage.tool.args_hash';
/** Span attribute with a precomputed `sha256:` hash of a tool call's result (the default of `resultHashAttribute`). */
export const ATTR_TOOL_RESULT_HASH = 'agent_triage.tool.result_hash';

export const toolResultMismatchOptions = z.strictObject({
  /** How long a (tool, arguments) → result memory is trusted. */
  ttlMs: z.number().int().positive().default(86_400_000),
  /** (tool, arguments) pairs remembered; least recently used go first. */
  maxRemembered: z.number().int().positive().default(50_000),
  /**
   * Per tool: `deterministic` (judged from the first repeat), `non_deterministic`
   * (never judged), `stateful` (only repeats with no call of that tool with other
   * arguments in between are compared: such a call may have changed the state).
   * Unlisted tools are learned.
   */
  tools: z.record(z.string().min(1), z.enum(TOOL_BEHAVIOURS)).default({}),
  /** Span attributes holding precomputed `sha256:` hashes, for instrumentations that do not capture content. */
  argsHashAttribute: z.string().min(1).default(ATTR_TOOL_ARGS_HASH),
  resultHashAttribute: z.string().min(1).default(ATTR_TOOL_RESULT_HASH),
  /** An unlisted tool is judged after this many repeats, and learned non-deterministic if more than `learnDifferRatio` of them differed. */
  minComparisons: z.number().int().min(1).default(5),
  learnDifferRatio: z.number().min(0).max(1).default(0.5),
});
export type ToolResultMismatchOptions = z.input<typeof toolResultMismatchOptions>;

/** `[result hash, seen at ms, state epoch]` per (tool, arguments hash). */
const memorySchema = z.tuple([z.string(), z.number(), z.number().int().min(0)]);
/** Per tool: repeats compared, repeats that differed, learned non-deterministic, state epoch, last arguments hash. */
const toolSchema = z.strictObject({
  compared: z.number().int().min(0),
  differed: z.number().int().min(0),
  learned: z.boolean(),
  epoch: z.number().int().min(0),
  lastArgs: z.string(),
});
type ToolRecord = z.output<typeof toolSchema>;

const MAX_TOOLS = 10_000;

/**
 * `tool_result_mismatch`: the same tool with the same arguments returned a
 * different result (SHA-256 of canonical JSON, or precomputed hashes). The
 * memory is bounded, expires after `ttlMs` and persists across restarts. A
 * tool whose repeats differ most of the time is learned as non-deterministic
 * and reported once as instrumentation health instead of on every call.
 */
export function createToolResultMismatchSignal(options: ToolResultMismatchOptions, deps: SignalDeps): Signal {
  const config = toolResultMismatchOptions.parse(options);
  // 'results', not the 'memory' of versions that stored every digest as sha256: those entries would all look changed.
  const memory = deps.state('results', memorySchema, config.maxRemembered);
  const tools = deps.state('tools', toolSchema, MAX_TOOLS);
  const keys = new JoinedKeys();
  const maxNameChars = deps.maxNameChars ?? DEFAULT_MAX_NAME_CHARS;
  return {
    id: 'tool_result_mismatch',
    onSpan(span, ctx) {
      if (span.role !== 'tool_call' || span.toolName === undefined || isFailed(span)) return;
      const tool = span.toolName;
      const behaviour = config.tools[tool];
      if (behaviour === 'non_deterministic') return;
      const argsHash = hashAttribute(span, config.argsHashAttribute, maxNameChars) ?? span.argsHash;
      const resultHash = hashAttribute(span, config.resultHashAttribute, maxNameChars) ?? span.resultHash;
      // Not captured: the span's own health check reports it (instrumentation_health, field argsHash / resultHash).
      if (argsHash === undefined || resultHash === undefined) return;
      // The stored record is updated in place (set again below): no copy per call.
      const record: ToolRecord = tools.get(tool) ?? { compared: 0, differed: 0, learned: false, epoch: 0, lastArgs: argsHash };
      if (record.learned && behaviour === undefined) return;
      if (behaviour === 'stateful' && record.lastArgs !== argsHash) record.epoch++;
      record.lastArgs = argsHash;

      const now = deps.now();
      const key = keys.of(tool, argsHash);
      const remembered = memory.get(key);
      const comparable = remembered !== undefined && now - remembered[1] <= config.ttlMs && remembered[2] === record.epoch;
      const previousHash = remembered?.[0];
      // Overwritten in place: no new array per repeated call.
      if (remembered === undefined) memory.set(key, [resultHash, now, record.epoch]);
      else {
        remembered[0] = resultHash;
        remembered[1] = now;
        remembered[2] = record.epoch;
        memory.set(key, remembered);
      }
      if (comparable && previousHash !== undefined) {
        const differs = previousHash !== resultHash;
        record.compared++;
        if (differs) record.differed++;
        if (behaviour === undefined && record.compared >= config.minComparisons && record.differed / record.compared > config.learnDifferRatio) {
          record.learned = true;
          ctx.health({
            cause: 'learned_non_deterministic',
            field: 'resultHash',
            subject: tool,
            details: { 'gen_ai.tool.name': tool, compared: record.compared, differed: record.differed },
          });
        } else if (differs && (behaviour !== undefined || record.compared >= config.minComparisons)) {
          ctx.report({
            spanId: span.spanId,
            details: {
              'gen_ai.tool.name': tool,
              args_hash: sha256Of(argsHash),
              result_hash: sha256Of(resultHash),
              previous_result_hash: sha256Of(previousHash),
            },
          });
        }
      }
      tools.set(tool, record);
    },
    toString: () => `tool_result_mismatch{ttlMs=${config.ttlMs},tools=${Object.keys(config.tools).length}}`,
  };
}

/** A precomputed hash: a non-empty string of at most `maxNameChars` (it is part of a state key); else none. */
function hashAttribute(span: SpanView, key: string, maxNameChars: number): string | undefined {
  return boundedName(span.attributes[key], maxNameChars);
}
