import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { looksLikeTraceRequest } from './otlp-json-schema.js';
import { spansFromTraceRequest } from './parse-trace-request.js';

/** Default bound on one JSON document (a whole pretty-printed file, or one JSON Lines line). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export interface TraceReadOptions {
  /** Bytes of one JSON document held at once; a larger one is an error for its file (or line). */
  readonly maxDocumentBytes?: number;
}

/** What reading trace files yields, in file order: spans as each request is read, and problems. */
export type TraceReadEvent =
  | { readonly kind: 'spans'; readonly spans: ReadableSpan[] }
  /** An input, line or document that could not be read or parsed: the caller exits non-zero. */
  | { readonly kind: 'error'; readonly message: string }
  /** A JSON document that is not a trace request: skipped, not an error. */
  | { readonly kind: 'warning'; readonly message: string };

const TRACE_FILE = /\.(json|jsonl)(\.gz)?$/;

/** Expands directories to their `*.json`, `*.jsonl`, `*.json.gz` and `*.jsonl.gz` files, in name order. */
export function expandInputs(inputs: readonly string[]): { files: string[]; errors: string[] } {
  const files: string[] = [];
  const errors: string[] = [];
  for (const input of inputs) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(input).isDirectory();
    } catch (error) {
      errors.push(`${input}: cannot read: ${errorText(error)}`);
      continue;
    }
    if (!isDirectory) {
      files.push(input);
      continue;
    }
    const names = readdirSync(input)
      .filter(name => TRACE_FILE.test(name))
      .sort();
    files.push(...names.map(name => join(input, name)));
  }
  return { files, errors };
}

/**
 * Reads OTLP/JSON trace files as a stream: each file is one
 * ExportTraceServiceRequest (compact or pretty-printed) or JSON Lines of them
 * (as the Collector's file exporter writes, whatever the file is called),
 * decided by content; `*.gz` files are gunzipped. Spans are yielded request by
 * request, so memory holds one document at a time, bounded by
 * `maxDocumentBytes`.
 */
export async function* readTraceFileStream(inputs: readonly string[], options: TraceReadOptions = {}): AsyncGenerator<TraceReadEvent> {
  const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const { files, errors } = expandInputs(inputs);
  for (const message of errors) yield { kind: 'error', message };
  for (const file of files) yield* readOneFile(file, maxBytes);
}

type Line = { readonly number: number; readonly text: string } | { readonly number: number; readonly overlong: true };

async function* readOneFile(file: string, maxBytes: number): AsyncGenerator<TraceReadEvent> {
  const jsonLinesByName = /\.jsonl(\.gz)?$/.test(basename(file));
  let mode: 'unknown' | 'lines' | 'document' = 'unknown';
  // In JSON Lines, the first request is held until a second one shows up: a file that holds a single
  // request on one line is named as the file in messages, not as `file:1` (unless it is called *.jsonl).
  let held: { number: number; json: unknown } | undefined;
  let documentLines: string[] = [];
  let documentBytes = 0;
  let seenLine = false;
  try {
    for await (const line of linesOf(file, maxBytes)) {
      if ('overlong' in line) {
        if (mode === 'document' || (mode === 'unknown' && !jsonLinesByName)) {
          yield tooLarge(file, maxBytes);
          return;
        }
        mode = 'lines';
        yield { kind: 'error', message: `${file}:${line.number}: line longer than the maximum document size (${maxBytes} bytes); skipped` };
        continue;
      }
      const blank = line.text.trim() === '';
      if (blank && mode !== 'document') continue;
      const parsed = blank ? undefined : parseJson(line.text);
      if (mode === 'unknown') mode = parsed !== undefined && ('json' in parsed || jsonLinesByName) ? 'lines' : 'document';
      if (mode === 'document') {
        if (parsed !== undefined && 'json' in parsed && looksLikeTraceRequest(parsed.json)) {
          // A line that is a whole trace request on its own: this is JSON Lines whose first lines are broken.
          mode = 'lines';
          for (const [index, text] of documentLines.entries()) {
            if (text.trim() !== '') yield* lineEvents(file, line.number - documentLines.length + index, parseJson(text));
          }
          documentLines = [];
          seenLine = true;
        } else {
          documentBytes += Buffer.byteLength(line.text) + 1;
          if (documentBytes > maxBytes) {
            yield tooLarge(file, maxBytes);
            return;
          }
          documentLines.push(line.text);
          continue;
        }
      }
      if (parsed === undefined) continue;
      if (held !== undefined) {
        yield* documentEvents(`${file}:${held.number}`, held.json);
        held = undefined;
      } else if (!seenLine && !jsonLinesByName && 'json' in parsed) {
        held = { number: line.number, json: parsed.json };
        seenLine = true;
        continue;
      }
      seenLine = true;
      yield* lineEvents(file, line.number, parsed);
    }
  } catch (error) {
    yield { kind: 'error', message: `${file}: cannot read: ${errorText(error)}` };
    return;
  }
  if (held !== undefined) yield* documentEvents(file, held.json);
  if (mode === 'document') {
    const parsed = parseJson(documentLines.join('\n'));
    if ('json' in parsed) yield* documentEvents(file, parsed.json);
    else yield { kind: 'error', message: `${file}: invalid JSON: ${parsed.error}` };
  }
}

function tooLarge(file: string, maxBytes: number): TraceReadEvent {
  return { kind: 'error', message: `${file}: JSON document larger than the maximum document size (${maxBytes} bytes, --max-document-bytes); file skipped` };
}

function* lineEvents(file: string, number: number, parsed: Parsed): Generator<TraceReadEvent> {
  if ('json' in parsed) yield* documentEvents(`${file}:${number}`, parsed.json);
  else yield { kind: 'error', message: `${file}:${number}: invalid JSON: ${parsed.error}` };
}

function* documentEvents(where: string, json: unknown): Generator<TraceReadEvent> {
  if (!looksLikeTraceRequest(json)) {
    yield { kind: 'warning', message: `${where}: not an OTLP ExportTraceServiceRequest (no resourceSpans array); skipped` };
    return;
  }
  try {
    yield { kind: 'spans', spans: spansFromTraceRequest(json, where) };
  } catch (error) {
    yield { kind: 'error', message: (error as Error).message };
  }
}

type Parsed = { readonly json: unknown } | { readonly error: string };

function parseJson(text: string): Parsed {
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const NEWLINE = 0x0a;

/** Collects one line's bytes, dropping them once the line is longer than the bound. */
class LineCollector {
  private parts: Buffer[] = [];
  private size = 0;
  private overlong = false;
  private number = 1;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  take(piece: Buffer): void {
    if (this.overlong || piece.length === 0) return;
    this.size += piece.length;
    if (this.size > this.maxBytes) {
      this.overlong = true;
      this.parts = [];
      return;
    }
    this.parts.push(piece);
  }

  get pending(): boolean {
    return this.size > 0;
  }

  finish(): Line {
    const number = this.number++;
    const line: Line = this.overlong ? { number, overlong: true } : { number, text: Buffer.concat(this.parts, this.size).toString('utf8').replace(/\r$/, '') };
    this.parts = [];
    this.size = 0;
    this.overlong = false;
    return line;
  }
}

/**
 * The file's lines (gunzipped for `*.gz`), each decoded once it is complete.
 * Unlike node:readline, a line is never held past `maxBytes`: its bytes are
 * dropped and it is reported as overlong.
 */
async function* linesOf(file: string, maxBytes: number): AsyncGenerator<Line> {
  const raw = createReadStream(file);
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', error => stream.destroy(error));
  const line = new LineCollector(maxBytes);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let from = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, from)) {
      line.take(chunk.subarray(from, at));
      yield line.finish();
      from = at + 1;
    }
    line.take(chunk.subarray(from));
  }
  if (line.pending) yield line.finish();
}

function errorText(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
