// The discrete-event loop: start every source the plan asks for, then pop the
// earliest task, fire it, yield its event. Lazy, so a long window streams in
// bounded memory (pending tasks, not events) and stops when the consumer does.
import type { RecordingEvent } from '../../src/model/recording-schema.ts';
import { startMarketplaceSource } from './marketplace-source.ts';
import { startRfidCountSources } from './rfid-count-source.ts';
import { startSaleSources } from './sale-sources.ts';
import type { SimulationContext } from './simulation-context.ts';
import { startStoreOpsSources } from './store-ops-sources.ts';

export function* simulate(ctx: SimulationContext): Generator<RecordingEvent> {
  // Start order is part of the seeded stream: changing it changes every recording.
  startSaleSources(ctx);
  startMarketplaceSource(ctx);
  startStoreOpsSources(ctx);
  startRfidCountSources(ctx);
  for (;;) {
    const task = ctx.scheduler.pop();
    if (task === undefined) return;
    const event = task.item.source.fire(ctx, task.timeMs, task.item.data);
    if (event !== undefined) yield event;
  }
}
