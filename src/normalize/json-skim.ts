/**
 * A JSON parser for content attributes too large to parse whole: it reads the
 * structure (objects, arrays, keys, numbers, short strings) and steps over
 * long strings without decoding them, so the work grows with the number of
 * values, not with the bytes of an answer's text. Used only past
 * `maxContentChars`; smaller values go through `JSON.parse`.
 */

/** Stands for a string value longer than the skim limit, which was not decoded. */
export class SkippedString {
  readonly length: number;

  constructor(length: number) {
    this.length = length;
  }
}

/** Nesting deeper than this is refused (a bounded stack whatever the input). */
const MAX_SKIM_DEPTH = 64;

class SkimError extends Error {}

/** The value, with long strings as {@link SkippedString}; undefined when the text is not JSON (or nests too deep). */
export function skimJson(text: string, maxStringChars: number): unknown {
  const reader = new Skimmer(text, maxStringChars);
  try {
    const value = reader.value(0);
    reader.space();
    return reader.atEnd() ? value : undefined;
  } catch (error) {
    if (error instanceof SkimError) return undefined;
    throw error;
  }
}

/** True when `value` holds a {@link SkippedString} anywhere. */
export function holdsSkipped(value: unknown): boolean {
  if (value instanceof SkippedString) return true;
  if (Array.isArray(value)) return value.some(holdsSkipped);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(holdsSkipped);
  return false;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Skimmer {
  private _at = 0;
  private readonly _text: string;
  private readonly _maxStringChars: number;

  constructor(text: string, maxStringChars: number) {
    this._text = text;
    this._maxStringChars = maxStringChars;
  }

  atEnd(): boolean {
    return this._at === this._text.length;
  }

  space(): void {
    const text = this._text;
    let at = this._at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at++;
    }
    this._at = at;
  }

  value(depth: number): unknown {
    if (depth > MAX_SKIM_DEPTH) throw new SkimError();
    this.space();
    const text = this._text;
    const c = text[this._at];
    if (c === '{') return this._object(depth);
    if (c === '[') return this._array(depth);
    if (c === '"') return this._string(false);
    for (const [word, literal] of LITERALS) {
      if (text.startsWith(word, this._at)) {
        this._at += word.length;
        return literal;
      }
    }
    NUMBER.lastIndex = this._at;
    const match = NUMBER.exec(text);
    if (!match) throw new SkimError();
    this._at += match[0].length;
    return Number(match[0]);
  }

  private _object(depth: number): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this._at++;
    this.space();
    if (this._text[this._at] === '}') {
      this._at++;
      return object;
    }
    for (;;) {
      this.space();
      if (this._text[this._at] !== '"') throw new SkimError();
      const key = this._string(true);
      this.space();
      this._expect(':');
      const value = this.value(depth + 1);
      // As JSON.parse: an own property even for `__proto__` (a descriptor only there: it is slow).
      if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
      this.space();
      if (this._text[this._at] === ',') {
        this._at++;
        continue;
      }
      this._expect('}');
      return object;
    }
  }

  private _array(depth: number): unknown[] {
    const array: unknown[] = [];
    this._at++;
    this.space();
    if (this._text[this._at] === ']') {
      this._at++;
      return array;
    }
    for (;;) {
      array.push(this.value(depth + 1));
      this.space();
      if (this._text[this._at] === ',') {
        this._at++;
        continue;
      }
      this._expect(']');
      return array;
    }
  }

  /** A string token: decoded when short (or a key), a {@link SkippedString} when long (found by searching for its closing quote). */
  private _string(decode: true): string;
  private _string(decode: false): string | SkippedString;
  private _string(decode: boolean): string | SkippedString {
    const text = this._text;
    const start = this._at;
    let end = start;
    for (;;) {
      end = text.indexOf('"', end + 1);
      if (end < 0) throw new SkimError();
      let backslashes = 0;
      while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    this._at = end + 1;
    if (!decode && end - start - 1 > this._maxStringChars) return new SkippedString(end - start - 1);
    if (!needsDecoding(text, start + 1, end)) return text.slice(start + 1, end);
    try {
      return JSON.parse(text.slice(start, end + 1)) as string;
    } catch {
      throw new SkimError();
    }
  }

  private _expect(char: string): void {
    if (this._text[this._at] !== char) throw new SkimError();
    this._at++;
  }
}

/** An escape or a raw control character (invalid JSON) in `text[from, to)`: only then is the token left to `JSON.parse`. */
function needsDecoding(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c || c < 0x20) return true;
  }
  return false;
}

const LITERALS: readonly (readonly [string, unknown])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
