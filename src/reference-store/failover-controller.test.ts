import { describe, expect, it } from 'vitest';
import { DefectSwitches } from './defects.ts';
import { FailoverController } from './failover-controller.ts';
import type { StoreContext } from './store-context.ts';

const silent = { warn() {}, error() {}, info() {}, debug() {} };

function primary(): FailoverController {
  const ctx = {
    pool: {},
    region: 'a',
    defects: new DefectSwitches(undefined),
    log: silent,
  } as unknown as StoreContext;
  return new FailoverController({
    ctx,
    role: 'primary',
    mode: 'manual',
    detectionMs: 3_000,
    peerUrl: undefined,
    onPrimary: async () => {},
    onFenced: async () => {},
  });
}

/** Whether `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

describe('failover controller: a cutover freeze', () => {
  it('holds a checkout until the freeze ends, then lets it through', async () => {
    const f = primary();
    await f.freeze({ holdCheckouts: true });
    expect(f.role).toBe('frozen');
    expect(f.queuesWebhooks).toBe(true);
    const held = f.whileHeld(10_000);
    expect(await settlesWithin(held, 50)).toBe(false);
    await f.unfreeze();
    expect(await settlesWithin(held, 50)).toBe(true);
    expect(f.role).toBe('primary');
    expect(f.queuesWebhooks).toBe(false);
  });

  it('releases held checkouts when the new system takes over: they are then refused as fenced', async () => {
    const f = primary();
    await f.freeze({ holdCheckouts: true });
    const held = f.whileHeld(10_000);
    await f.fence();
    expect(await settlesWithin(held, 50)).toBe(true);
    expect(f.role).toBe('fenced');
    // Still queueing: webhooks in flight to the old writer are replayed into the new one,
    // until the move is over and the queue is closed.
    expect(f.queuesWebhooks).toBe(true);
    f.stopQueueing();
    expect(f.queuesWebhooks).toBe(false);
  });

  it('refuses rather than holds unless asked, and never holds past its limit', async () => {
    const f = primary();
    await f.freeze();
    expect(await settlesWithin(f.whileHeld(10_000), 20)).toBe(true);
    const g = primary();
    await g.freeze({ holdCheckouts: true });
    expect(await settlesWithin(g.whileHeld(30), 500)).toBe(true);
    expect(g.role).toBe('frozen');
  });

  it('is refused on a store that is not the writer, and unfreeze is refused once fenced', async () => {
    const f = primary();
    await f.fence();
    await expect(f.freeze()).rejects.toMatchObject({ code: 'not-primary' });
    await expect(f.unfreeze()).rejects.toMatchObject({ code: 'not-frozen' });
    const g = primary();
    await g.freeze();
    expect(() => g.stopQueueing()).toThrow(/still frozen/);
  });
});
