import { createWriteStream, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** An append-only JSON Lines file; `close` resolves once every line is on disk. */
export class JsonlFile {
  private readonly _stream: WriteStream;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this._stream = createWriteStream(path, { flags: 'a' });
  }

  append(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this._stream.write(`${line}\n`, error => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this._stream.end((error?: Error | null) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }
}
