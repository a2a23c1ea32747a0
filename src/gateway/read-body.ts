import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { HttpError } from './http-error.js';

const gunzipAsync = promisify(gunzip);

/**
 * Reads a request body up to `maxBytes`, and inflates gzip up to the same
 * limit (a small compressed body can expand enormously). Over the limit is 413.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const raw = await collect(req, maxBytes);
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip') throw new HttpError(415, 'unsupported_media_type', `unsupported content-encoding "${encoding}"; use gzip or none`);
  try {
    return await gunzipAsync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes, 'decompressed ');
    throw new HttpError(400, 'bad_data', `invalid gzip body: ${(error as Error).message}`);
  }
}

function collect(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop buffering but keep draining, so the 413 reaches the sender.
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      // Most bodies arrive in one chunk: use it as it is rather than copy it.
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

function tooLarge(maxBytes: number, what = ''): HttpError {
  return new HttpError(413, 'too_large', `${what}request body exceeds the limit of ${maxBytes} bytes`);
}
