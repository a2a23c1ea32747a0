import { SignalEngine } from '../engine/signal-engine.js';
import type { RawFinding } from '../engine/finding.js';
import type { Fixture } from '../fixtures/fixture-schema.js';
import { memorySignalDeps } from '../state/memory-signal-deps.js';
import { buildSignals } from '../signals/registry.js';
import type { SignalOverride } from '../signals/signal-config.js';
import type { ConfiguredSignal } from '../signals/registry.js';
import type { SignalName } from '../signals/signal.js';
import { Classifier } from '../taxonomy/classifier.js';
import { TAXONOMY_PRESETS, resolveTaxonomy } from '../taxonomy/taxonomy.js';
import type { RemediationDecision, TaxonomyDefinition } from '../taxonomy/taxonomy.js';
import { spanViewsOf, turnViewOf } from './fixture-turn.js';

/**
 * `same`: the recorded signal fires again on the recorded span, in the same
 * class. `reclassified`: it fires, in another class. `not_reproduced`: the
 * current signals no longer find it.
 */
export type ReplayStatus = 'same' | 'reclassified' | 'not_reproduced';

/** A finding the current signals produced while replaying a fixture. */
export interface ReplayedFinding {
  readonly signal: SignalName;
  readonly class: string;
  readonly spanId: string;
  readonly decision: RemediationDecision;
}

/** The outcome of replaying one fixture: `same`, `reclassified` or `not_reproduced`, with what fired now. */
export interface ReplayResult {
  readonly fixtureId: string;
  readonly status: ReplayStatus;
  readonly expected: { readonly signal: SignalName; readonly class: string; readonly spanId: string; readonly decision: RemediationDecision };
  /** The replayed finding matching the recorded signal and span, if any. */
  readonly actual: ReplayedFinding | undefined;
  /** Everything the current signals find in the fixture's turn. */
  readonly findings: readonly ReplayedFinding[];
}

/** Options of a `FixtureReplayer`: the signal overrides, custom signals and taxonomy to replay through. */
export interface ReplayOptions {
  readonly signals?: Record<string, SignalOverride>;
  /** The same custom signals the processor ran; fixtures of custom signals replay only with them. */
  readonly customSignals?: readonly ConfiguredSignal[];
  /** A preset name, a file, or a definition. When absent, each fixture is replayed through the preset it names (else `default`). */
  readonly taxonomy?: string | TaxonomyDefinition;
}

/** Re-evaluates fixtures through the current signals and taxonomy. */
export class FixtureReplayer {
  private readonly _engine: SignalEngine;
  private readonly _fixed: Classifier | undefined;
  private readonly _presets = new Map<string, Classifier>();
  /** Signals that threw while replaying, by id: a broken signal must not read as "not reproduced" silently. */
  readonly signalErrors = new Map<SignalName, number>();

  /** @throws ConfigError when the signal overrides or the taxonomy are invalid. */
  constructor(options: ReplayOptions = {}) {
    this._fixed = options.taxonomy === undefined ? undefined : new Classifier(resolveTaxonomy(options.taxonomy, 'taxonomy'));
    // Stateful signals replay without their baselines: a fixture is one turn, not a week of traffic.
    const signals = [...buildSignals(options.signals ?? {}, memorySignalDeps()), ...(options.customSignals ?? [])];
    this._engine = new SignalEngine(signals, {
      onSignalError: id => {
        this.signalErrors.set(id, (this.signalErrors.get(id) ?? 0) + 1);
      },
      onHealth: () => undefined,
    });
  }

  replay(fixture: Fixture): ReplayResult {
    const raw: RawFinding[] = [...spanViewsOf(fixture).flatMap(view => this._engine.evaluateSpan(view)), ...this._engine.evaluateTurn(turnViewOf(fixture))];
    const classifier = this._classifierFor(fixture);
    const findings = raw.map(r => {
      const classification = classifier.classify(r.signal, r.details);
      return { signal: r.signal, class: classification.primary, spanId: r.spanId, decision: classification.remediation.decision };
    });
    const sameFailure = findings.filter(f => f.signal === fixture.failure_signal && f.spanId === fixture.span_id);
    const actual = sameFailure.find(f => f.class === fixture.class) ?? sameFailure[0];
    let status: ReplayStatus = 'not_reproduced';
    if (actual) status = actual.class === fixture.class ? 'same' : 'reclassified';
    return {
      fixtureId: fixture.fixture_id,
      status,
      expected: { signal: fixture.failure_signal, class: fixture.class, spanId: fixture.span_id, decision: fixture.route.decision },
      actual,
      findings,
    };
  }

  private _classifierFor(fixture: Fixture): Classifier {
    if (this._fixed) return this._fixed;
    const name = (TAXONOMY_PRESETS as readonly string[]).includes(fixture.taxonomy) ? fixture.taxonomy : 'default';
    let classifier = this._presets.get(name);
    if (!classifier) {
      classifier = new Classifier(resolveTaxonomy(name));
      this._presets.set(name, classifier);
    }
    return classifier;
  }
}
