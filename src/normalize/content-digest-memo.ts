import type { AttributeValue } from '@opentelemetry/api';
import { digestAttribute } from './content-hash.js';
import type { ContentDigest } from './content-hash.js';

/**
 * What one generation (two are kept) may hold, counted in characters: each
 * entry's key plus {@link MEMO_ENTRY_CHARS} for its digest and map slot, so
 * many tiny contents are bounded too. About 1 MiB in all.
 */
export const MEMO_GENERATION_CHARS = 256 * 1024;
/** What an entry costs beyond its key, counted as characters: a digest is at most 71 of them, plus the slot. */
export const MEMO_ENTRY_CHARS = 64;
/** Longer contents are digested each time: a repeat of one is rarer, and one would crowd out many short ones. */
export const MEMO_MAX_CONTENT_CHARS = 4 * 1024;

/**
 * Digests of content attributes (tool arguments and results), remembered for
 * the contents seen last: a tool called again with the same arguments, or
 * returning the same result, is parsed, canonicalised and hashed once. Exact,
 * since a digest is a function of the text (and of `maxContentChars`, fixed
 * per memo). Bounded: two generations of at most {@link MEMO_GENERATION_CHARS};
 * when the current one is full it becomes the previous one and the older is
 * dropped, so whatever was seen in either is a hit.
 */
export class ContentDigestMemo {
  private _current = new Map<string, ContentDigest>();
  private _previous = new Map<string, ContentDigest>();
  private _currentChars = 0;
  private _previousChars = 0;
  private readonly _maxContentChars: number;
  private readonly _maxRemembered: number;
  private readonly _digestOf: (text: string, maxContentChars: number) => ContentDigest;

  constructor(maxContentChars: number, digestOf: (text: string, maxContentChars: number) => ContentDigest = digestAttribute) {
    this._maxContentChars = maxContentChars;
    this._maxRemembered = Math.min(maxContentChars, MEMO_MAX_CONTENT_CHARS);
    this._digestOf = digestOf;
  }

  /** What both generations hold, counted as {@link MEMO_GENERATION_CHARS} counts it. */
  get heldChars(): number {
    return this._currentChars + this._previousChars;
  }

  /** {@link digestAttribute} of `value`, bounded by the memo's `maxContentChars`. */
  digest(value: AttributeValue | undefined): ContentDigest | undefined {
    if (typeof value !== 'string' || value.length > this._maxRemembered) {
      return typeof value === 'string' ? this._digestOf(value, this._maxContentChars) : digestAttribute(value, this._maxContentChars);
    }
    const known = this._current.get(value);
    if (known !== undefined) return known;
    const digest = this._previous.get(value) ?? this._digestOf(value, this._maxContentChars);
    const cost = value.length + MEMO_ENTRY_CHARS;
    if (this._currentChars + cost > MEMO_GENERATION_CHARS) {
      this._previous = this._current;
      this._previousChars = this._currentChars;
      this._current = new Map();
      this._currentChars = 0;
    }
    this._current.set(value, digest);
    this._currentChars += cost;
    return digest;
  }
}
