import type { PlannedToolCall, SpanOutcome } from '../normalize/span-view.js';
import { flatString } from '../state/flat-string.js';
import type { StepError, StepMessage, StepSummary } from './turn-view.js';

/**
 * Strings that repeat across turns (span, tool, model and agent names), kept
 * once per assembler and referred to by number. Bounded: past `max` entries,
 * or for long strings, a string is written out where it is used.
 */
export class StringPool {
  private readonly _ids = new Map<string, number>();
  private readonly _strings: string[] = [];
  private readonly _max: number;

  constructor(max = 4096) {
    this._max = max;
  }

  /** The number of `text` in the pool (added if there is room), or -1. */
  idOf(text: string): number {
    const id = this._ids.get(text);
    if (id !== undefined) return id;
    if (this._strings.length >= this._max || text.length > MAX_POOLED_CHARS) return -1;
    const flat = flatString(text);
    this._ids.set(flat, this._strings.length);
    this._strings.push(flat);
    return this._strings.length - 1;
  }

  at(id: number): string {
    const text = this._strings[id];
    if (text === undefined) throw new RangeError(`string pool: no entry ${id}`);
    return text;
  }
}

const MAX_POOLED_CHARS = 128;

/*
 * A step is held, while its turn is open, as one flat string: a role letter,
 * then each field of {@link StepSummary} in a fixed order. Every field is
 * exact on the way back:
 *   absent        `~`
 *   pooled string `#<id>;`
 *   string        `<length>:<characters>` (any characters)
 *   repeated      `@<offset>,<length>;`: a string found in the trace's step
 *                 text already (a tool call's id and arguments repeat its plan)
 *   small integer `<decimal>;` (under 10,000,000 either way)
 *   other number  `=` then its 8 IEEE-754 bytes, one character each
 *   an end time   `+` then the step's duration, when start + duration is exactly the end
 *   boolean       `0` or `1`
 * Lists are a count (an integer) followed by their items. A record knows
 * where it ends, so a trace keeps its steps one after another in one string.
 */

const scratch = new Float64Array(1);
const bytes = new Uint8Array(scratch.buffer);

/** Strings shorter than this are written out: a reference would not be shorter. */
const MIN_REFERENCED_CHARS = 8;

class Writer {
  out = '';
  private readonly _pool: StringPool;
  private readonly _context: string;

  constructor(pool: StringPool, context: string) {
    this._pool = pool;
    this._context = context;
  }

  str(text: string | undefined): void {
    if (text === undefined) {
      this.out += '~';
      return;
    }
    const at = text.length >= MIN_REFERENCED_CHARS ? this._context.indexOf(text) : -1;
    this.out += at >= 0 ? `@${at},${text.length};` : `${text.length}:${text}`;
  }

  pooled(text: string | undefined): void {
    if (text === undefined) {
      this.out += '~';
      return;
    }
    const id = this._pool.idOf(text);
    this.out += id >= 0 ? `#${id};` : `${text.length}:${text}`;
  }

  num(value: number | undefined): void {
    if (value === undefined) this.out += '~';
    else if (Number.isInteger(value) && Math.abs(value) < 10_000_000 && !Object.is(value, -0)) this.out += `${value};`;
    else {
      scratch[0] = value;
      const b = bytes;
      this.out += `=${String.fromCharCode(b[0] ?? 0, b[1] ?? 0, b[2] ?? 0, b[3] ?? 0, b[4] ?? 0, b[5] ?? 0, b[6] ?? 0, b[7] ?? 0)}`;
    }
  }

  bool(value: boolean): void {
    this.out += value ? '1' : '0';
  }

  /** `value` as an offset from `base` when that gives it back exactly (end times: a short duration, not a timestamp). */
  after(base: number, value: number): void {
    const offset = value - base;
    if (Object.is(base + offset, value) && Number.isInteger(offset) && Math.abs(offset) < 10_000_000) {
      this.out += '+';
      this.num(offset);
    } else {
      this.num(value);
    }
  }
}

class Reader {
  private _at: number;
  private readonly _text: string;
  private readonly _pool: StringPool;
  private readonly _context: string;

  constructor(text: string, from: number, pool: StringPool, context: string) {
    this._text = text;
    this._at = from;
    this._pool = pool;
    this._context = context;
  }

  get at(): number {
    return this._at;
  }

  char(): string {
    return this._text.charAt(this._at++);
  }

  str(): string | undefined {
    const first = this._text.charCodeAt(this._at);
    if (first === 0x7e /* ~ */) {
      this._at++;
      return undefined;
    }
    if (first === 0x23 /* # */) {
      this._at++;
      return this._pool.at(this._digits(0x3b /* ; */));
    }
    if (first === 0x40 /* @ */) {
      this._at++;
      const offset = this._digits(0x2c /* , */);
      const length = this._digits(0x3b /* ; */);
      if (offset + length > this._context.length) throw new RangeError('turn assembler: a packed step refers past its text');
      return this._context.slice(offset, offset + length);
    }
    const length = this._digits(0x3a /* : */);
    const from = this._at;
    this._at += length;
    return this._text.slice(from, this._at);
  }

  num(): number | undefined {
    const first = this._text.charCodeAt(this._at);
    if (first === 0x7e /* ~ */) {
      this._at++;
      return undefined;
    }
    if (first === 0x3d /* = */) {
      for (let i = 0; i < 8; i++) bytes[i] = this._text.charCodeAt(this._at + 1 + i);
      this._at += 9;
      return scratch[0];
    }
    const negative = this._text.charCodeAt(this._at) === 0x2d; /* - */
    if (negative) this._at++;
    const value = this._digits(0x3b /* ; */);
    return negative ? -value : value;
  }

  bool(): boolean {
    return this.char() === '1';
  }

  /** A decimal number up to `terminator` (read past it), without a substring. */
  private _digits(terminator: number): number {
    let value = 0;
    for (;;) {
      const code = this._text.charCodeAt(this._at++);
      if (code === terminator) return value;
      if (!(code >= 0x30 && code <= 0x39)) throw new RangeError('turn assembler: a packed step is malformed');
      value = value * 10 + (code - 0x30);
    }
  }

  after(base: number): number | undefined {
    if (this._text.charCodeAt(this._at) !== 0x2b /* + */) return this.num();
    this._at++;
    const offset = this.num();
    return offset === undefined ? undefined : base + offset;
  }
}

/**
 * The step an LLM step or tool call leaves in its open turn: its
 * {@link StepSummary} packed into one flat string. Strings found in `context`
 * (the trace's step text, which must not change while the step is held) are
 * referred to. The span and parent ids are not packed: the trace knows them.
 */
export function encodeStep(step: StepSummary, pool: StringPool, context = ''): string {
  const w = new Writer(pool, context);
  w.out = step.role === 'llm_step' ? 'l' : 't';
  w.pooled(step.name);
  w.num(step.startMs);
  w.after(step.startMs, step.endMs);
  w.bool(step.failed);
  w.pooled(step.toolName);
  w.str(step.toolCallId);
  w.str(step.argsHash);
  w.str(step.resultHash);
  w.num(step.outputTokens);
  w.num(step.plannedToolCalls.length);
  for (const call of step.plannedToolCalls) {
    w.str(call.id);
    w.pooled(call.name);
    w.str(call.argsHash);
  }
  w.pooled(step.model);
  w.num(step.temperature);
  w.num(step.maxTokens);
  w.pooled(step.region);
  const error = step.error;
  if (error) {
    w.bool(true);
    w.pooled(error.status);
    w.str(error.statusMessage);
    w.pooled(error.errorType);
    w.num(error.httpStatusCode);
    w.pooled(error.exceptionType);
    w.str(error.exceptionMessage);
  } else {
    w.bool(false);
  }
  if (step.messages === undefined) w.num(undefined);
  else {
    w.num(step.messages.length);
    for (const message of step.messages) {
      w.pooled(message.role);
      w.str(message.content);
    }
  }
  // Flattened where it is kept (appended to its trace's step text, or on its own).
  return w.out;
}

const NO_PLANNED_CALLS: readonly PlannedToolCall[] = Object.freeze([]);

/** The summary {@link encodeStep} packed at `from` in `text` (with the `context` it was packed with), field for field, and where its record ends. */
export function decodeStep(
  text: string,
  from: number,
  spanId: string,
  parentSpanId: string | undefined,
  pool: StringPool,
  context = text,
): { step: StepSummary; end: number } {
  const r = new Reader(text, from, pool, context);
  const role: StepSummary['role'] = r.char() === 'l' ? 'llm_step' : 'tool_call';
  const name = r.str() ?? '';
  const startMs = r.num() ?? 0;
  const endMs = r.after(startMs) ?? 0;
  const failed = r.bool();
  const toolName = r.str();
  const toolCallId = r.str();
  const argsHash = r.str();
  const resultHash = r.str();
  const outputTokens = r.num();
  const plannedCount = r.num() ?? 0;
  let plannedToolCalls = NO_PLANNED_CALLS;
  if (plannedCount > 0) {
    const calls: PlannedToolCall[] = [];
    for (let i = 0; i < plannedCount; i++) calls.push({ id: r.str(), name: r.str() ?? '', argsHash: r.str() });
    plannedToolCalls = calls;
  }
  const model = r.str();
  const temperature = r.num();
  const maxTokens = r.num();
  const region = r.str();
  let error: StepError | undefined;
  if (r.bool()) {
    error = {
      status: (r.str() ?? 'unset') as SpanOutcome,
      statusMessage: r.str(),
      errorType: r.str(),
      httpStatusCode: r.num(),
      exceptionType: r.str(),
      exceptionMessage: r.str(),
    };
  }
  const messageCount = r.num();
  let messages: StepMessage[] | undefined;
  if (messageCount !== undefined) {
    messages = [];
    for (let i = 0; i < messageCount; i++) messages.push({ role: r.str() ?? '', content: r.str() ?? '' });
  }
  if (r.at > text.length) throw new Error('turn assembler: a packed step runs past its text');
  const step: StepSummary = {
    spanId,
    parentSpanId,
    role,
    name,
    startMs,
    endMs,
    failed,
    toolName,
    toolCallId,
    argsHash,
    resultHash,
    outputTokens,
    plannedToolCalls,
    model,
    temperature,
    maxTokens,
    region,
    error,
    messages,
  };
  return { step, end: r.at };
}
