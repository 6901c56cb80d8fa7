// The run phase that records the reference store's inventory-events topic into
// streams/inventory-events.ndjson, for the event-stream checker. Starts before the
// store is reset and seeded (so the seed's events are in it), reads through Kafka's
// INTERNAL listener (no Toxiproxy fault blinds it) and with no consumer group (the
// consumers under test never see it), and stops after the oracle's read once it has
// seen the last ledger entry the oracle saw, or a grace period has passed. A capture
// that cannot start is logged and left out: the checker then says unknown.
import { INVENTORY_EVENTS_TOPIC } from '../reference-store/outbox-relay.ts';
import type { StackState } from '../stack/stack-state.ts';
import { capturePath } from '../streams/captured-stream.ts';
import { StreamCapture } from '../streams/stream-capture.ts';

/** Longest wait after the oracle's read for the relay to publish what the oracle saw. */
const DRAIN_MAX_MS = 8_000;

export interface EventCapture {
  /** Reads on until the ledger id `lastLedgerId` (if any) has been seen or DRAIN_MAX_MS passed; idempotent. */
  stop(lastLedgerId?: number): Promise<void>;
}

/** The broker address the capture reads from: the INTERNAL listener, behind no proxy. */
function captureBrokers(state: StackState): string[] | undefined {
  const internal = state.endpoints['kafka-internal'];
  if (internal !== undefined) return [`${internal.host}:${internal.port}`];
  const client = state.endpoints.kafka?.url;
  return client === undefined ? undefined : [client];
}

export async function startEventCapture(
  state: StackState,
  runDir: string,
  log: (line: string) => void,
): Promise<EventCapture | undefined> {
  const brokers = captureBrokers(state);
  if (brokers === undefined) {
    log(`the stack has no Kafka endpoint: ${INVENTORY_EVENTS_TOPIC} is not captured`);
    return undefined;
  }
  let highest = 0;
  try {
    const capture = await StreamCapture.start({
      brokers,
      topic: INVENTORY_EVENTS_TOPIC,
      path: capturePath(runDir, INVENTORY_EVENTS_TOPIC),
      log,
      onMessages: (batch) => {
        for (const m of batch) highest = Math.max(highest, ledgerIdOf(m.value));
      },
    });
    return {
      stop: (lastLedgerId) =>
        capture.stop({
          until: () => lastLedgerId === undefined || highest >= lastLedgerId,
          maxWaitMs: lastLedgerId === undefined ? 0 : DRAIN_MAX_MS,
        }),
    };
  } catch (error) {
    log(`${(error as Error).message}; the event-stream checker will say unknown`);
    return undefined;
  }
}

/** The ledger id in an event's JSON, without parsing every message whole. */
function ledgerIdOf(value: string | null): number {
  const m = value === null ? null : /"ledgerId"\s*:\s*(\d+)/.exec(value);
  return m === null ? 0 : Number(m[1]);
}
