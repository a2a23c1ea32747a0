import { mkdirSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { DEFAULT_MAX_DOCUMENT_BYTES, readTraceFileStream } from '../otlp/read-trace-files.js';
import { DEFAULT_SCAN_LIMITS, findingToJsonLine, scanSpanStream } from '../scan/scan-spans.js';
import type { ScanOptions } from '../scan/scan-spans.js';
import { SEVERITIES } from '../signals/signal.js';

const scanArgs = z.strictObject({
  paths: z.array(z.string().min(1)).min(1),
  taxonomy: z.string().min(1).optional(),
  fixtures: z.string().min(1).optional(),
  fixtureSeverities: z
    .string()
    .transform(list => list.split(',').map(s => s.trim()))
    .pipe(z.array(z.enum(SEVERITIES)).min(1))
    .default(['hard']),
  includeMessages: z.boolean().default(false),
  state: z.string().min(1).optional(),
  maxDocumentBytes: z.coerce.number().int().positive().default(DEFAULT_MAX_DOCUMENT_BYTES),
  reorderWindowMs: z.coerce.number().int().nonnegative().default(DEFAULT_SCAN_LIMITS.reorderWindowMs),
  maxSpansInFlight: z.coerce.number().int().positive().default(DEFAULT_SCAN_LIMITS.maxSpansInFlight),
});

/** The scan writes what it finds: no age or count limit, the user chose the directory. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

interface Writable {
  write(text: string): unknown;
}

/**
 * `agent-triage scan`: exit 0 when every input was scanned (findings or not),
 * 1 when some input could not be read or parsed (the rest is still scanned),
 * 2 when the arguments or configuration are invalid.
 */
export async function runScan(paths: string[], options: Record<string, unknown>, out: Writable, err: Writable): Promise<number> {
  const args = scanArgs.safeParse({ paths, ...options });
  if (!args.success) {
    err.write(`agent-triage scan: ${describeZodError('arguments', args.error)}\n`);
    return 2;
  }
  if (args.data.fixtures !== undefined) {
    // Fixtures are written in the background; a directory that cannot be created must fail up front.
    try {
      mkdirSync(args.data.fixtures, { recursive: true });
    } catch (error) {
      err.write(`agent-triage scan: --fixtures ${args.data.fixtures}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const data = args.data;
  let errors = 0;
  // Spans go to the scan as each request is read; problems are named on stderr as they are met.
  async function* spanBatches(): AsyncGenerator<ReadableSpan[]> {
    for await (const event of readTraceFileStream(data.paths, { maxDocumentBytes: data.maxDocumentBytes })) {
      if (event.kind === 'spans') {
        yield event.spans;
      } else if (event.kind === 'warning') {
        err.write(`warning: ${event.message}\n`);
      } else {
        errors++;
        err.write(`error: ${event.message}\n`);
      }
    }
  }
  try {
    await scanSpanStream(
      spanBatches(),
      {
        ...scanOptionsOf(data),
        ...(data.state !== undefined && { state: { path: data.state } }),
        onHealthNotice: notice => err.write(`note: ${notice.signal} cannot judge ${notice.convention} spans: ${notice.cause} (${notice.field ?? notice.subject ?? '-'})\n`),
      },
      finding => out.write(`${findingToJsonLine(finding)}\n`),
      { reorderWindowMs: data.reorderWindowMs, maxSpansInFlight: data.maxSpansInFlight },
    );
  } catch (error) {
    err.write(`agent-triage scan: ${(error as Error).message}\n`);
    return 2;
  }
  if (errors > 0) err.write(`agent-triage scan: ${errors} ${errors === 1 ? 'input' : 'inputs'} could not be read or parsed (named above); the rest was scanned\n`);
  return errors > 0 ? 1 : 0;
}

function scanOptionsOf(args: z.output<typeof scanArgs>): ScanOptions {
  return {
    ...(args.taxonomy !== undefined && { taxonomy: args.taxonomy }),
    ...(args.fixtures !== undefined && {
      fixtures: {
        dir: args.fixtures,
        severities: args.fixtureSeverities,
        includeMessages: args.includeMessages,
        detectionSource: 'scan',
        maxFiles: UNBOUNDED,
        maxBytes: UNBOUNDED,
        maxAgeMs: UNBOUNDED,
        maxQueue: UNBOUNDED,
      },
    }),
  };
}
