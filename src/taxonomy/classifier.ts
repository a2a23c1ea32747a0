import type { FindingDetails, SignalName } from '../signals/signal.js';
import type { Remediation, TaxonomyDefinition } from './taxonomy.js';

export interface Classification {
  /** Exactly one primary class per finding. */
  readonly primary: string;
  readonly secondary: readonly string[];
  readonly remediation: Remediation;
}

/**
 * Assigns classes from the taxonomy's rules. Precedence is rule order, as in a
 * firewall: the first rule that matches the finding decides; its `class` is
 * the primary class and its `secondary` list the secondary ones. A finding no
 * rule matches gets the fallback class, so nothing is ever left unclassified.
 */
export class Classifier {
  private readonly _taxonomy: TaxonomyDefinition;

  constructor(taxonomy: TaxonomyDefinition) {
    this._taxonomy = taxonomy;
  }

  get taxonomyName(): string {
    return this._taxonomy.name;
  }

  classify(signal: SignalName, details: FindingDetails): Classification {
    const rule = this._taxonomy.rules.find(r => r.signal === signal && matchesWhen(r.when, details));
    const primary = rule?.class ?? this._taxonomy.fallback;
    return {
      primary,
      secondary: [...new Set(rule?.secondary ?? [])].filter(id => id !== primary),
      remediation: this.remediationOf(primary),
    };
  }

  remediationOf(classId: string): Remediation {
    const known = this._taxonomy.classes[classId] ?? this._taxonomy.classes[this._taxonomy.fallback];
    // validateTaxonomy guarantees the fallback class exists.
    if (!known) throw new Error(`taxonomy ${this._taxonomy.name} has no class "${classId}"`);
    return known.remediation;
  }
}

function matchesWhen(when: Readonly<Record<string, string | number | boolean>> | undefined, details: FindingDetails): boolean {
  if (!when) return true;
  return Object.entries(when).every(([key, value]) => details[key] === value);
}
