import { ValueType } from '@opentelemetry/api';
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';

/**
 * Cumulative counts keyed by a fixed list of label values. Recording is a map
 * update (no SDK call per span); observable instruments read it at collection.
 */
export class CounterTable {
  private readonly _labels: readonly string[];
  private readonly _rows = new Map<string, { attributes: Attributes; value: number }>();

  constructor(labels: readonly string[]) {
    this._labels = labels;
  }

  /** An undefined value leaves its label off the row (an optional label). */
  add(values: readonly (string | undefined)[], amount = 1): void {
    const key = values.join('\u0000');
    const row = this._rows.get(key);
    if (row) {
      row.value += amount;
      return;
    }
    const attributes: Attributes = {};
    this._labels.forEach((label, i) => {
      if (i < values.length && values[i] === undefined) return;
      attributes[label] = values[i] ?? '';
    });
    this._rows.set(key, { attributes, value: amount });
  }

  observe(result: ObservableResult): void {
    for (const row of this._rows.values()) result.observe(row.value, row.attributes);
  }

  /** Current total for one label combination (for tests and the demo's summary). */
  get(values: readonly string[]): number {
    return this._rows.get(values.join('\u0000'))?.value ?? 0;
  }
}

/** Keeps a user-controlled label (agent names) to a bounded set; the rest share one overflow value. */
export class BoundedLabel {
  static readonly OVERFLOW = '_overflow';
  static readonly UNKNOWN = '_unknown';
  private readonly _seen = new Set<string>();
  private readonly _limit: number;

  constructor(limit: number) {
    this._limit = limit;
  }

  value(raw: string | undefined): string {
    if (raw === undefined) return BoundedLabel.UNKNOWN;
    if (this._seen.has(raw)) return raw;
    if (this._seen.size >= this._limit) return BoundedLabel.OVERFLOW;
    this._seen.add(raw);
    return raw;
  }
}

/** Publishes a table as a cumulative observable counter. */
export function publishCounter(meter: Meter, name: string, unit: string, description: string, table: CounterTable): void {
  meter.createObservableCounter(name, { unit, description, valueType: ValueType.INT }).addCallback(result => {
    table.observe(result);
  });
}
