import { diag } from '@opentelemetry/api';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { StatePersistence, StateSnapshot } from './state-snapshot.js';

/**
 * The embedded default persistence: one JSON file, replaced atomically (write
 * a temporary file next to it, fsync, rename), so a crash mid-write leaves the
 * previous snapshot intact. A file that cannot be parsed is moved aside to
 * `<path>.corrupt-<time>` and reported through `diag`; the store starts fresh.
 */
export class FileStatePersistence implements StatePersistence {
  private readonly _path: string;
  private readonly _now: () => number;

  constructor(path: string, now: () => number = Date.now) {
    this._path = path;
    this._now = now;
  }

  load(): unknown {
    this._removeStaleTemps();
    let text: string;
    try {
      text = readFileSync(this._path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      this.setAside(`not JSON: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Temporary files of saves a crash interrupted (`<path>.<pid>.tmp`); the state file itself is intact. */
  private _removeStaleTemps(): void {
    const prefix = `${basename(this._path)}.`;
    const own = `${prefix}${process.pid}.tmp`;
    try {
      for (const name of readdirSync(dirname(this._path))) {
        if (name.startsWith(prefix) && name !== own && /^\d+\.tmp$/.test(name.slice(prefix.length))) rmSync(join(dirname(this._path), name), { force: true });
      }
    } catch {
      // No folder yet, or not readable: nothing to clean, and load reports what matters.
    }
  }

  /** Moves an unusable state file out of the way, keeping it for inspection. */
  setAside(reason: string): void {
    const aside = `${this._path}.corrupt-${this._now()}`;
    try {
      mkdirSync(dirname(this._path), { recursive: true });
      renameSync(this._path, aside);
      diag.warn(`agent-triage: state file ${this._path} is unusable (${reason}); moved to ${aside}, starting fresh`);
    } catch (error) {
      diag.warn(`agent-triage: state file ${this._path} is unusable (${reason}) and could not be moved aside; starting fresh`, error);
    }
  }

  async save(snapshot: StateSnapshot): Promise<void> {
    const temp = `${this._path}.${process.pid}.tmp`;
    await mkdir(dirname(this._path), { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(snapshot));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this._path);
  }

  toString(): string {
    return this._path;
  }
}
