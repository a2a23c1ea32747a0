import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { looksLikeTraceRequest } from './otlp-json-schema.js';
import { spansFromTraceRequest } from './parse-trace-request.js';

export interface TraceFileResult {
  readonly spans: ReadableSpan[];
  /** Inputs that could not be read or parsed: the caller exits non-zero. */
  readonly errors: string[];
  /** JSON documents that are not trace requests: skipped, not an error. */
  readonly warnings: string[];
}

/** Expands directories to their `*.json` and `*.jsonl` files, in name order. */
export function expandInputs(inputs: readonly string[]): { files: string[]; errors: string[] } {
  const files: string[] = [];
  const errors: string[] = [];
  for (const input of inputs) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(input).isDirectory();
    } catch (error) {
      errors.push(`${input}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      continue;
    }
    if (!isDirectory) {
      files.push(input);
      continue;
    }
    const names = readdirSync(input)
      .filter(name => ['.json', '.jsonl'].includes(extname(name)))
      .sort();
    files.push(...names.map(name => join(input, name)));
  }
  return { files, errors };
}

/**
 * Reads OTLP/JSON trace files: each a single ExportTraceServiceRequest, or
 * JSON Lines of them (`.jsonl`, or any file that is not one JSON document).
 */
export function readTraceFiles(inputs: readonly string[]): TraceFileResult {
  const { files, errors } = expandInputs(inputs);
  const spans: ReadableSpan[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      errors.push(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      continue;
    }
    for (const doc of documentsOf(file, text)) {
      if ('error' in doc) {
        errors.push(doc.error);
        continue;
      }
      if (!looksLikeTraceRequest(doc.json)) {
        warnings.push(`${doc.where}: not an OTLP ExportTraceServiceRequest (no resourceSpans array); skipped`);
        continue;
      }
      try {
        spans.push(...spansFromTraceRequest(doc.json, doc.where));
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  }
  return { spans, errors, warnings };
}

type Document = { where: string; json: unknown } | { error: string };

function documentsOf(file: string, text: string): Document[] {
  if (extname(file) !== '.jsonl') {
    try {
      return [{ where: file, json: JSON.parse(text) as unknown }];
    } catch (error) {
      if (extname(file) === '.json') return [{ error: `${file}: invalid JSON: ${(error as Error).message}` }];
    }
  }
  const docs: Document[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    try {
      docs.push({ where, json: JSON.parse(line) as unknown });
    } catch (error) {
      docs.push({ error: `${where}: invalid JSON: ${(error as Error).message}` });
    }
  });
  return docs;
}
