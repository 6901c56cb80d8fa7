// Shared state of one generator run: the PRNG, the clock (scheduler), current
// prices, per-SKU sequences, the serialized units of each store, customers.
// Sources read and change it only when they fire, i.e. in event-time order.
import type { Customer, RecordingEvent } from '../../src/model/recording-schema.ts';
import { CATALOG_DEFAULTS, SHOPPING_DEFAULTS } from '../profiles/profile-defaults.ts';
import { EventScheduler } from './event-scheduler.ts';
import type { SeededRandom } from './seeded-random.ts';
import { encodeSgtin96 } from './sgtin-epc.ts';
import type { DemandModel } from './synthetic-catalog.ts';
import type { ResolvedGenerateOptions, TrafficPlan } from './traffic-plan.ts';

/** A traffic source: fires at a scheduled time, may emit one event and schedule more. */
export interface Source<D> {
  fire(ctx: SimulationContext, timeMs: number, data: D): RecordingEvent | undefined;
}

interface Task {
  readonly source: Source<unknown>;
  readonly data: unknown;
}

interface UnitLedger {
  sold: number;
  received: number;
}

// Serial ranges per store keep every generated EPC unique: units on hand at
// t = 0 take store * 10^7 + n, received units store * 10^7 + 5 * 10^6 + n.
const SERIALS_PER_STORE = 10_000_000;
const RECEIVED_SERIAL_OFFSET = 5_000_000;
const BOT_CUSTOMER_OFFSET = 9_000_000;

export class SimulationContext {
  readonly random: SeededRandom;
  readonly options: ResolvedGenerateOptions;
  readonly plan: TrafficPlan;
  readonly model: DemandModel;
  readonly durationMs: number;
  readonly scheduler = new EventScheduler<Task>();
  readonly #prices: Int32Array;
  readonly #inventorySequences = new Map<number, number>();
  readonly #webhookSequences = new Map<string, number>();
  readonly #ledgers = new Map<number, UnitLedger>();
  readonly #customers = new Map<number, Customer>();
  #eventCounter = 0;

  constructor(random: SeededRandom, options: ResolvedGenerateOptions, plan: TrafficPlan, model: DemandModel) {
    this.random = random;
    this.options = options;
    this.plan = plan;
    this.model = model;
    this.durationMs = options.durationS * 1000;
    this.#prices = Int32Array.from(model.catalog.skus, (s) => s.priceCents);
  }

  /** Tasks at or after the end of the window are dropped: they could never fire. */
  schedule<D>(timeMs: number, source: Source<D>, data: D): void {
    const at = Math.round(timeMs);
    if (at < this.durationMs) this.scheduler.push(at, { source: source as Source<unknown>, data });
  }

  nextId(prefix: string): string {
    this.#eventCounter += 1;
    return `${prefix}-${String(this.#eventCounter).padStart(8, '0')}`;
  }

  price(skuIndex: number): number {
    return this.#prices[skuIndex]!;
  }

  setPrice(skuIndex: number, cents: number): void {
    this.#prices[skuIndex] = cents;
  }

  /** Per (store, sku), shared by cycle-count, receiving and barcode-adjustment. */
  nextInventorySequence(storeNumber: number, skuIndex: number): number {
    const key = storeNumber * this.options.skus + skuIndex;
    const next = (this.#inventorySequences.get(key) ?? 0) + 1;
    this.#inventorySequences.set(key, next);
    return next;
  }

  nextWebhookSequence(marketplace: string, skuIndex: number): number {
    const key = `${marketplace}:${skuIndex}`;
    const next = (this.#webhookSequences.get(key) ?? 0) + 1;
    this.#webhookSequences.set(key, next);
    return next;
  }

  // Units on hand at a store: initial units not yet sold, then received ones.
  // Sales take the lowest ordinal, so a count after a sale no longer sees it.
  unitsOnHand(storeNumber: number, skuIndex: number): number {
    const ledger = this.#ledger(storeNumber, skuIndex);
    return Math.max(0, this.model.catalog.skus[skuIndex]!.stockPerStore + ledger.received - ledger.sold);
  }

  /** Units sold so far: the ordinal of the first unit still on hand. */
  unitsSold(storeNumber: number, skuIndex: number): number {
    return this.#ledger(storeNumber, skuIndex).sold;
  }

  /** EPC of the unit with this ordinal (0-based, in the order units leave the shelf). */
  epcOfUnit(storeNumber: number, skuIndex: number, ordinal: number): string {
    return this.#epc(storeNumber, skuIndex, ordinal);
  }

  /** Takes the next unit off the shelf and returns its EPC. */
  sellUnit(storeNumber: number, skuIndex: number): string {
    const ledger = this.#ledger(storeNumber, skuIndex);
    const epc = this.#epc(storeNumber, skuIndex, ledger.sold);
    ledger.sold += 1;
    return epc;
  }

  receiveUnits(storeNumber: number, skuIndex: number, qty: number): void {
    this.#ledger(storeNumber, skuIndex).received += qty;
  }

  customer(index: number): Customer {
    let customer = this.#customers.get(index);
    if (customer === undefined) {
      const { faker } = this.random;
      const local = `${emailPart(faker.person.firstName())}.${emailPart(faker.person.lastName())}`;
      customer = { id: `C${String(index + 1).padStart(7, '0')}`, email: `${local}${index + 1}@example.com` };
      this.#customers.set(index, customer);
    }
    return customer;
  }

  /** Bot accounts: throwaway addresses, a separate id range. */
  botCustomer(index: number): Customer {
    const key = BOT_CUSTOMER_OFFSET + index;
    let customer = this.#customers.get(key);
    if (customer === undefined) {
      const local = this.random.faker.string.alphanumeric({ length: 10, casing: 'lower' });
      customer = { id: `C${key + 1}`, email: `${local}@example.net` };
      this.#customers.set(key, customer);
    }
    return customer;
  }

  randomCustomer(): Customer {
    return this.customer(this.random.int(0, SHOPPING_DEFAULTS.customerPoolSize - 1));
  }

  #ledger(storeNumber: number, skuIndex: number): UnitLedger {
    const key = storeNumber * this.options.skus + skuIndex;
    let ledger = this.#ledgers.get(key);
    if (ledger === undefined) {
      ledger = { sold: 0, received: 0 };
      this.#ledgers.set(key, ledger);
    }
    return ledger;
  }

  #epc(storeNumber: number, skuIndex: number, ordinal: number): string {
    const stock = this.model.catalog.skus[skuIndex]!.stockPerStore;
    const serial =
      storeNumber * SERIALS_PER_STORE +
      (ordinal < stock ? ordinal : RECEIVED_SERIAL_OFFSET + ordinal - stock);
    return encodeSgtin96(CATALOG_DEFAULTS.gs1CompanyPrefix, skuIndex + 1, serial);
  }
}

function emailPart(name: string): string {
  return name.toLowerCase().replace(/[^a-z]/g, '') || 'x';
}
