import { flatString } from '../state/flat-string.js';

/** OpenTelemetry span ids: 16 hex characters. */
const WIDTH = 16;
/** Past this many ids, a map finds one (a scan of the packed ids costs more than it saves). */
const INDEXED_FROM = 48;

/**
 * The span ids of one trace, numbered in the order they were added. While
 * every id has the usual 16 characters they are packed in one flat string
 * (16 bytes an id instead of a string object and a pointer); an id of another
 * length turns the table into a plain list, and so does a large trace, which
 * also gets a map. A trace state is one (a base class, not a field: one object
 * less per trace).
 */
export class IdTable {
  private _packed = '';
  private _list: string[] | undefined;
  private _index: Map<string, number> | undefined;
  private _size = 0;

  get size(): number {
    return this._size;
  }

  addId(id: string): number {
    const at = this._size++;
    // Past INDEXED_FROM ids a map finds them: the packed string (copied whole on each add) gives way to a list.
    if (this._list === undefined && (id.length !== WIDTH || this._size > INDEXED_FROM)) this._list = this._unpack();
    if (this._list) this._list.push(id);
    else this._packed = flatString(this._packed + id);
    if (this._index) {
      if (!this._index.has(id)) this._index.set(id, at);
    }
    else if (this._size > INDEXED_FROM) {
      this._index = new Map();
      for (let i = this._size - 1; i >= 0; i--) this._index.set(this.idAt(i), i);
    }
    return at;
  }

  /** The number of `id`, or -1 (the first, should an id come twice). */
  idIndex(id: string): number {
    if (this._index) return this._index.get(id) ?? -1;
    if (this._list) return this._list.indexOf(id);
    if (id.length !== WIDTH || this._size === 0) return -1;
    // Most lookups are of the turn root (first) or of the span just added.
    if (this._packed.startsWith(id)) return 0;
    if (this._packed.startsWith(id, (this._size - 1) * WIDTH)) return this._size - 1;
    for (let from = WIDTH; ; ) {
      const found = this._packed.indexOf(id, from);
      if (found < 0) return -1;
      if (found % WIDTH === 0) return found / WIDTH;
      from = found + 1;
    }
  }

  /** True when `id` is number `index`, without reading it out. */
  idIs(index: number, id: string): boolean {
    if (this._list) return this._list[index] === id;
    return id.length === WIDTH && this._packed.startsWith(id, index * WIDTH);
  }

  idAt(index: number): string {
    if (this._list) return this._list[index] ?? '';
    return this._packed.slice(index * WIDTH, (index + 1) * WIDTH);
  }

  private _unpack(): string[] {
    const list: string[] = [];
    for (let i = 0; i < this._size - 1; i++) list.push(this.idAt(i));
    this._packed = '';
    return list;
  }
}
