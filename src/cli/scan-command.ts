import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import { readTraceFiles } from '../otlp/read-trace-files.js';
import { findingToJsonLine, scanSpans } from '../scan/scan-spans.js';

const scanArgs = z.strictObject({
  paths: z.array(z.string().min(1)).min(1),
  taxonomy: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
});

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
  const { spans, errors, warnings } = readTraceFiles(args.data.paths);
  for (const warning of warnings) err.write(`warning: ${warning}\n`);
  for (const error of errors) err.write(`error: ${error}\n`);
  let findings;
  try {
    const { taxonomy, state } = args.data;
    findings = await scanSpans(spans, {
      ...(taxonomy !== undefined && { taxonomy }),
      ...(state !== undefined && { state: { path: state } }),
      onHealthNotice: notice => err.write(`note: ${notice.signal}: cannot judge ${notice.subject ?? 'some spans'}: ${notice.reason}\n`),
    });
  } catch (error) {
    err.write(`agent-triage scan: ${(error as Error).message}\n`);
    return 2;
  }
  for (const finding of findings) out.write(`${findingToJsonLine(finding)}\n`);
  return errors.length > 0 ? 1 : 0;
}
