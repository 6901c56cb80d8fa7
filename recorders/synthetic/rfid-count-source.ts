// RFID cycle counts: handheld readers sweep one department at a time, tag by
// tag, reporting most tags once and some again within a short window (as
// readers do before de-duplication); each SKU ends with a cycle-count event.
import type { RfidReadEvent } from '../../src/model/recording-schema.ts';
import { RFID_DEFAULTS } from '../profiles/profile-defaults.ts';
import type { SimulationContext, Source } from './simulation-context.ts';
import { storeId } from './synthetic-catalog.ts';

interface Sweep {
  readonly store: number;
  readonly reader: string;
  sessionsLeft: number;
  skus: number[];
  skuPosition: number;
  unitPosition: number;
  unitsOnHand: number;
  firstOrdinal: number;
  reads: number;
}

const SESSION_BREAK_S = [60, 300] as const;

export function startRfidCountSources(ctx: SimulationContext): void {
  const counts = ctx.plan.rfidCounts;
  if (counts === undefined) return;
  for (let store = 1; store <= ctx.options.stores; store++) {
    for (let reader = 1; reader <= counts.readersPerStore; reader++) {
      const sweep: Sweep = {
        store,
        reader: `${storeId(store)}-RFID-${reader}`,
        sessionsLeft: counts.sessionsPerReader,
        skus: [],
        skuPosition: 0,
        unitPosition: 0,
        unitsOnHand: -1,
        firstOrdinal: 0,
        reads: 0,
      };
      ctx.schedule(ctx.random.uniform(0, counts.startSpreadS * 1000), sweepSource, sweep);
    }
  }
}

/** One department: consecutive tagged SKUs from a random starting point. */
function pickDepartment(ctx: SimulationContext): number[] {
  const skus = ctx.model.catalog.skus;
  const wanted = ctx.plan.rfidCounts!.skusPerSession;
  const picked: number[] = [];
  const start = ctx.random.int(0, skus.length - 1);
  for (let step = 0; step < skus.length && picked.length < wanted; step++) {
    const index = (start + step) % skus.length;
    if (skus[index]!.rfidTagged && !skus[index]!.hot) picked.push(index);
  }
  return picked;
}

// Each firing is one tag's turn: read (or missed), then the next tag after an
// exponential gap; the reader's state lives in the Sweep, not in closures.
const sweepSource: Source<Sweep> = {
  fire(ctx, timeMs, sweep) {
    const { random } = ctx;
    if (sweep.skuPosition >= sweep.skus.length) {
      sweep.skus = pickDepartment(ctx);
      sweep.skuPosition = 0;
      if (sweep.skus.length === 0) return undefined;
    }
    const skuIndex = sweep.skus[sweep.skuPosition]!;
    if (sweep.unitsOnHand < 0) {
      // Fixed at the start of the SKU so a sale mid-sweep cannot shift which tags are read.
      sweep.unitsOnHand = ctx.unitsOnHand(sweep.store, skuIndex);
      sweep.firstOrdinal = ctx.unitsSold(sweep.store, skuIndex);
      sweep.unitPosition = 0;
      sweep.reads = 0;
    }
    let event: RfidReadEvent | undefined;
    if (sweep.unitPosition < sweep.unitsOnHand) {
      if (random.chance(RFID_DEFAULTS.readRate)) {
        const epc = ctx.epcOfUnit(sweep.store, skuIndex, sweep.firstOrdinal + sweep.unitPosition);
        event = readEvent(ctx, timeMs, sweep.store, sweep.reader, skuIndex, epc);
        sweep.reads += 1;
        for (let extra = random.geometric(RFID_DEFAULTS.duplicateMean); extra > 0; extra--) {
          const at = timeMs + random.uniform(50, RFID_DEFAULTS.duplicateWindowMs);
          ctx.schedule(at, duplicateSource, {
            store: sweep.store,
            reader: sweep.reader,
            skuIndex,
            epc: event.epc,
          });
        }
      }
      sweep.unitPosition += 1;
    }
    let next = timeMs + random.exponential(1000 / RFID_DEFAULTS.readsPerSecond);
    if (sweep.unitPosition >= sweep.unitsOnHand) {
      ctx.schedule(next, cycleCountSource, { store: sweep.store, skuIndex, countedQty: sweep.reads });
      sweep.skuPosition += 1;
      sweep.unitsOnHand = -1;
      next += random.uniform(...RFID_DEFAULTS.fixtureGapS) * 1000;
      if (sweep.skuPosition >= sweep.skus.length) {
        sweep.sessionsLeft -= 1;
        if (sweep.sessionsLeft <= 0) return event;
        next += random.uniform(...SESSION_BREAK_S) * 1000;
      }
    }
    ctx.schedule(next, sweepSource, sweep);
    return event;
  },
};

const duplicateSource: Source<{ store: number; reader: string; skuIndex: number; epc: string }> = {
  fire(ctx, timeMs, read) {
    return readEvent(ctx, timeMs, read.store, read.reader, read.skuIndex, read.epc);
  },
};

const cycleCountSource: Source<{ store: number; skuIndex: number; countedQty: number }> = {
  fire(ctx, timeMs, count) {
    return {
      t: timeMs,
      kind: 'cycle-count',
      id: ctx.nextId('cc'),
      store: storeId(count.store),
      sku: ctx.model.catalog.skus[count.skuIndex]!.sku,
      countedQty: count.countedQty,
      sequence: ctx.nextInventorySequence(count.store, count.skuIndex),
    };
  },
};

function readEvent(
  ctx: SimulationContext,
  timeMs: number,
  store: number,
  reader: string,
  skuIndex: number,
  epc: string,
): RfidReadEvent {
  const rssi = Math.round(RFID_DEFAULTS.rssiMeanDbm + RFID_DEFAULTS.rssiSdDbm * ctx.random.normal());
  return {
    t: timeMs,
    kind: 'rfid-read',
    id: ctx.nextId('rfid'),
    store: storeId(store),
    reader,
    epc,
    sku: ctx.model.catalog.skus[skuIndex]!.sku,
    rssi: Math.max(-90, Math.min(-20, rssi)),
  };
}
