// All device fleets behind the scheduler's one Client: each op goes to the
// fleet its device id names (`pos:`, `web:`, `rfid:`, `scanner:`, `webhook:`).
// plan() shapes a replay plan for the fleets and streams it with their follow-ups.
import type { Client, ClientOp, Completion } from '../src/engines/open-model-scheduler.ts';
import { deviceKindOf, deviceOf } from '../src/plan/device-ids.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import { ReferenceStoreCodec } from '../src/targets/reference-store/reference-store-codec.ts';
import type { TargetCodec } from '../src/targets/target-codec.ts';
import { BarcodeScannerFleet, type BarcodeScannerOptions } from './barcode-scanner-fleet.ts';
import { type DeviceFleet, type FleetContext, isOpResolver, isPlanShaper } from './device-fleet.ts';
import { FLEET_PROCESS, FleetPlanStream, type ResolvedOp } from './fleet-plan-stream.ts';
import { FollowUpQueue, PendingDecisions } from './follow-up-queue.ts';
import { KafkaScanPublisher } from './kafka-scan-publisher.ts';
import { MarketplaceWebhookFleet, type MarketplaceWebhookOptions } from './marketplace-webhook-fleet.ts';
import { OrderRegistry } from './order-registry.ts';
import { PosTerminalFleet, type PosTerminalOptions } from './pos-terminal-fleet.ts';
import { RfidReaderFleet, type RfidReaderOptions } from './rfid-reader-fleet.ts';
import { sortByTime } from './seeded-draw.ts';
import { WebShopperFleet, type WebShopperOptions } from './web-shopper-fleet.ts';

const WAITED: Completion = { type: 'ok' };

type WithUrl<T> = Omit<T, 'baseUrl' | 'codec'> & { readonly baseUrl?: string | readonly string[] };

export interface FleetClientOptions {
  /** The store API for every HTTP fleet that does not name its own baseUrl; one URL per region fails over. */
  readonly storeUrl?: string | readonly string[];
  /** The target's codec for every HTTP fleet (default: the reference store's). */
  readonly codec?: TargetCodec;
  /** Kafka for the RFID readers and scanners; without it those fleets are left out. */
  readonly kafkaBrokers?: readonly string[];
  readonly scansTopic?: string;
  /**
   * Each fleet: its options, or false to leave it out (its devices' ops then fail as `no-device`).
   * HTTP fleets run when they have a URL (their own or storeUrl), Kafka ones when there are brokers.
   */
  readonly pos?: WithUrl<PosTerminalOptions> | false;
  readonly web?: WithUrl<WebShopperOptions> | false;
  readonly webhook?: WithUrl<MarketplaceWebhookOptions> | false;
  readonly rfid?: RfidReaderOptions | false;
  readonly scanner?: BarcodeScannerOptions | false;
  /** Follow-ups (retries, uploads, redeliveries) are planned until this long after the last op (default 30 s). */
  readonly tailMs?: number;
  /** Seeds every fleet's plan shaping unless the fleet has its own. */
  readonly seed?: number;
}

export class FleetClient implements Client {
  readonly fleets: readonly DeviceFleet[];
  private readonly byKind = new Map<string, DeviceFleet>();
  private readonly queue = new FollowUpQueue();
  private readonly decisions = new PendingDecisions();
  private readonly counts: Record<string, number> = {};
  private readonly tailMs: number;
  private readonly context: FleetContext;
  private readonly publisher: KafkaScanPublisher | null = null;
  private stream: FleetPlanStream | null = null;
  private originMs: number | null = null;

  constructor(options: FleetClientOptions) {
    this.tailMs = options.tailMs ?? 30_000;
    const orders = new OrderRegistry();
    this.context = {
      orders,
      nowPlanMs: () => performance.now() - (this.originMs ?? performance.now()),
      followUp: (item, dueMs, gen) => this.queue.push(item, dueMs, gen),
      expectDecision: (deadlineMs) => this.decisions.open(deadlineMs),
      count: (what, n = 1) => {
        this.counts[what] = (this.counts[what] ?? 0) + n;
      },
    };
    const seed = options.seed ?? 1;
    const codec = options.codec ?? new ReferenceStoreCodec();
    // An HTTP fleet runs when it has a URL, its own or the client's, and is not switched off.
    const urlOf = (
      fleet: { readonly baseUrl?: string | readonly string[] } | false | undefined,
    ): string | readonly string[] | undefined =>
      fleet === false ? undefined : (fleet?.baseUrl ?? options.storeUrl);
    const fleets: DeviceFleet[] = [];
    const posUrl = urlOf(options.pos);
    if (posUrl !== undefined)
      fleets.push(new PosTerminalFleet({ ...options.pos, baseUrl: posUrl, codec }, this.context));
    const webUrl = urlOf(options.web);
    if (webUrl !== undefined) {
      fleets.push(new WebShopperFleet({ seed, ...options.web, baseUrl: webUrl, codec }, this.context));
    }
    const webhookUrl = urlOf(options.webhook);
    if (webhookUrl !== undefined) {
      fleets.push(
        new MarketplaceWebhookFleet({ seed, ...options.webhook, baseUrl: webhookUrl, codec }, this.context),
      );
    }
    const brokers = options.kafkaBrokers ?? [];
    if (brokers.length > 0 && (options.rfid !== false || options.scanner !== false)) {
      const publisher = new KafkaScanPublisher({
        brokers,
        ...(options.scansTopic === undefined ? {} : { topic: options.scansTopic }),
      });
      this.publisher = publisher;
      if (options.rfid !== false) fleets.push(new RfidReaderFleet({ seed, ...options.rfid }, publisher));
      if (options.scanner !== false)
        fleets.push(new BarcodeScannerFleet({ seed, ...options.scanner }, publisher));
    }
    this.fleets = fleets;
    for (const fleet of fleets) this.byKind.set(fleet.kind, fleet);
  }

  /** The fleets' own additions to a plan (duplicates, reads before checkouts), sorted. Pure. */
  prepare(ops: readonly ReplayOp[]): ReplayOp[] {
    let shaped: readonly ReplayOp[] = ops;
    for (const fleet of this.fleets) if (isPlanShaper(fleet)) shaped = fleet.shapePlan(shaped);
    return shaped === ops ? sortByTime(ops) : (shaped as ReplayOp[]);
  }

  /** What to hand the scheduler: prepare(ops), finished op by op, with the devices' follow-ups merged in. */
  plan(ops: readonly ReplayOp[]): FleetPlanStream {
    const resolvers = new Map<string, (op: ReplayOp) => ResolvedOp>();
    for (const fleet of this.fleets)
      if (isOpResolver(fleet)) resolvers.set(fleet.kind, (op) => fleet.resolveOp(op));
    const resolve = (op: ReplayOp): ResolvedOp => {
      const r = resolvers.get(deviceKindOf(String(op.process)));
      return r === undefined ? op : r(op);
    };
    this.stream = new FleetPlanStream(
      this.prepare(ops),
      this.queue,
      this.decisions,
      this.context.nowPlanMs,
      resolve,
      this.tailMs,
    );
    return this.stream;
  }

  /**
   * Plan time 0 as a performance.now() reading. By default it is when open() returns, which is
   * when the scheduler starts (it takes plan time 0 right after opening the client); set it
   * when the scheduler is given a later startAtNs.
   */
  setPlanOrigin(performanceNowMs: number): void {
    this.originMs = performanceNowMs;
  }

  async open(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.open()));
    this.originMs ??= performance.now();
  }

  async invoke(op: ClientOp): Promise<Completion> {
    if (op.process === FLEET_PROCESS) return WAITED;
    const device = deviceOf(op.process);
    const fleet = this.byKind.get(deviceKindOf(device));
    if (fleet === undefined) {
      return { type: 'fail', error: { code: 'no-device', message: `no fleet runs device ${device}` } };
    }
    try {
      return await fleet.invoke(op, device);
    } catch (error) {
      // A device bug after the request may have left: the op's fate is unknown.
      return {
        type: 'info',
        error: { code: 'device-error', message: (error as Error)?.message ?? String(error) },
      };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.fleets.map((f) => f.close()));
    await this.publisher?.close();
  }

  /** What the devices did besides answering ops, and what the plan stream left out or added. */
  stats(): Record<string, number> {
    const out: Record<string, number> = { ...this.counts };
    const s = this.stream?.counts;
    if (s !== undefined) {
      out['plan.emitted'] = s.emitted;
      out['plan.follow-ups'] = s.followUps;
      out['plan.follow-ups-past-tail'] = s.followUpsPastTail;
      out['plan.waits'] = s.waits;
      for (const [reason, n] of Object.entries(s.leftOut)) out[`plan.left-out.${reason}`] = n;
    }
    const pos = this.byKind.get('pos');
    if (pos instanceof PosTerminalFleet) out['pos.held-offline'] = pos.heldOffline;
    return out;
  }
}
