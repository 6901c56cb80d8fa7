// The target seam (DESIGN.md): everything peakdrill knows about one system
// under test, in one module registered by name. A run talks to the target only
// through this: its topology (what faults may name), how it comes up, its
// codec, its controls (seed, role), its probes and its oracle. The reference
// store is one target among others and has no privileges.

import type { TargetDeclaration } from '../faults/fault-targets.ts';
import type { RunClock } from '../history/run-clock.ts';
import type { Ability } from '../model/abilities.ts';
import type { FinalState } from '../model/final-state.ts';
import type { ProbeSpec } from '../probes/probe-runner.ts';
import type { EventCapture } from '../run/event-capture-phase.ts';
import type { SeedSku } from '../run/run-catalog.ts';
import type { StackState } from '../stack/stack-state.ts';
import type { ExchangeDecoder, RowDecoder, TargetCodec } from './target-codec.ts';

export { ABILITIES, type Ability } from '../model/abilities.ts';

/** One place the target is reached: a site (region a/b, blue/green) and its URL through Toxiproxy. */
export interface TargetSite {
  readonly name: string;
  readonly url: string;
}

/** How a run asks a target to come up on a fresh local stack of its own. */
export interface LocalStartOptions {
  readonly dir: string;
  readonly runDir: string;
  readonly scenarioStore: {
    replication: 'sync' | 'async';
    topology?: 'regions' | 'migration';
    failover: 'auto' | 'manual';
    detection: number;
  };
  /** A seeded defect, for targets that have them (the reference store). */
  readonly defect?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

export interface ProbeContext {
  readonly runId: string;
  readonly clock: RunClock;
  readonly checkout: { readonly sku: string; readonly store: string; readonly priceCents: number };
  readonly checkoutEveryMs: number;
  readonly propagationEveryMs: number;
}

/** The probes a target runs, keyed by the name a fault's `while` condition uses. */
export interface TargetProbes {
  readonly specs: ReadonlyMap<string, ProbeSpec>;
  close(): Promise<void>;
}

/** A target that is up: the one object the run's phases use. */
export interface StartedTarget {
  readonly stack: StackState;
  readonly sites: readonly TargetSite[];
  /** The seeded defect it runs (null: none). */
  readonly defect: string | null;
  readonly codec: TargetCodec;
  /** Values no log, recording or report may show. */
  readonly secrets: readonly string[];
  /** Kafka for the RFID readers and scanners (empty: the target reads no scans). */
  readonly kafkaBrokers: readonly string[];
  /** A store's own way in (its POS uplink), when the topology has one. */
  uplinkOf?(store: string): string[] | undefined;
  /** Starts each run from the same books: the catalog, and nothing sold. */
  resetAndSeed(seed: readonly SeedSku[]): Promise<void>;
  probes(context: ProbeContext): TargetProbes;
  /** Starts recording the target's event stream, if it publishes one. */
  captureEvents?(runDir: string, log: (line: string) => void): Promise<EventCapture | undefined>;
  /**
   * The final state once it has settled (by the target's own rule). Throws a
   * PEAKDRILL_ERR_UNREACHABLE error when the target cannot be read at all.
   */
  readFinalState(log: (line: string) => void): Promise<FinalState>;
  /** Stops what this run started (nothing, for a stack that was already up). */
  stop(): Promise<void>;
}

export interface TargetModule {
  readonly name: string;
  readonly description: string;
  readonly abilities: ReadonlySet<Ability>;
  /** Answers that are the business saying no (out of stock…): throughput, not errors. */
  readonly businessRejections: readonly string[];
  /** Whether its stock changes are published where the event-stream checker can read them. */
  readonly publishesEvents: boolean;
  /**
   * Takes writes in one region at a time (active-passive; the default). The split-brain
   * checker holds such a target to it; a multi-writer (active-active) target says false.
   */
  readonly singleWriter?: boolean;
  /** Its members before it starts, for the preflight check of every fault's target. */
  declaration(): TargetDeclaration;
  /** For `record http`: a fresh decoder of captured exchanges (absent: recorded raw only). */
  exchangeDecoder?(): ExchangeDecoder;
  /** For `record postgres`: which tables hold its business events and how to read them back. */
  rowDecoder?(): RowDecoder;
  startLocal(options: LocalStartOptions): Promise<StartedTarget>;
  /** Uses a stack that is already up (`--stack existing`). */
  attach(state: StackState, options: { readonly log: (line: string) => void }): Promise<StartedTarget>;
}
