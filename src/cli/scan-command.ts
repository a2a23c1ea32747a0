import { mkdirSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import { readTraceFiles } from '../otlp/read-trace-files.js';
import { findingToJsonLine, scanSpans } from '../scan/scan-spans.js';
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
  const { spans, errors, warnings } = readTraceFiles(args.data.paths);
  for (const warning of warnings) err.write(`warning: ${warning}\n`);
  for (const error of errors) err.write(`error: ${error}\n`);
  let findings;
  try {
    findings = await scanSpans(spans, {
      ...scanOptionsOf(args.data),
      ...(args.data.state !== undefined && { state: { path: args.data.state } }),
      onHealthNotice: notice => err.write(`note: ${notice.signal}: cannot judge ${notice.subject ?? 'some spans'}: ${notice.reason}\n`),
    });
  } catch (error) {
    err.write(`agent-triage scan: ${(error as Error).message}\n`);
    return 2;
  }
  for (const finding of findings) out.write(`${findingToJsonLine(finding)}\n`);
  return errors.length > 0 ? 1 : 0;
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
