import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import flashSale from '../../scenarios/flash-sale.ts';
import { checkoutOk, checkoutValue, HistoryFixture } from '../checkers/testing/history-fixture.ts';
import { validateScenario } from '../model/scenario-schema.ts';
import { checkRunDirectory } from './check-run.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A run directory: the scenario, one history, and the given state and catalog. */
async function runDir(state: unknown, catalog?: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'peakdrill-check-run-'));
  dirs.push(dir);
  const h = new HistoryFixture();
  h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 2 }]), { at: 0, ok: checkoutOk('o1') });
  const lines = h
    .end()
    .list()
    .map((e) => JSON.stringify(e))
    .join('\n');
  await writeFile(join(dir, 'history.ndjson'), `${lines}\n`);
  await writeFile(join(dir, 'scenario.json'), JSON.stringify(validateScenario(flashSale)));
  await writeFile(join(dir, 'state.json'), JSON.stringify(state));
  if (catalog !== undefined) await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalog));
  return dir;
}

// A state as an oracle that cannot tell availability writes it: orders and stock, nothing else.
const state = {
  schemaVersion: 1,
  authoritativeRegion: 'a',
  regions: {
    a: {
      region: 'a',
      orders: [
        {
          orderId: 'o1',
          idempotencyKey: 'k1',
          lines: [{ sku: 'A', qty: 2 }],
          tenders: [{ type: 'card', amountCents: 1_000 }],
        },
      ],
      stock: [{ sku: 'A', store: 'S001', onHand: 0 }],
    },
  },
};

describe('peakdrill check on a run directory', () => {
  it('reads the catalog the run seeded as the initial stock', async () => {
    const catalog = {
      probeSku: 'P',
      hotSkus: ['A'],
      skus: [{ sku: 'A', priceCents: 500, stock: { S001: 1 } }],
    };
    const { results } = await checkRunDirectory(await runDir(state, catalog), { write: false });
    const oversell = results.find((r) => r.name === 'oversell')!;
    expect(oversell.valid).toBe(false);
    expect(oversell.figures.oversoldUnits).toBe(1);
  });

  it('without a catalog or availability, cannot say the stock held', async () => {
    const { results } = await checkRunDirectory(await runDir(state), { write: false });
    expect(results.find((r) => r.name === 'oversell')!.valid).toBe('unknown');
  });

  it('judges the captured event stream in streams/, and says unknown for one it cannot read', async () => {
    const ledger = [
      {
        seq: 1,
        at: '2026-01-01T00:00:00.000Z',
        sku: 'A',
        store: 'S001',
        delta: 2,
        reason: 'seed',
        refType: 'seed',
        refId: 's',
      },
    ];
    const dir = await runDir({ ...state, regions: { a: { ...state.regions.a, ledger } } });
    const event = {
      ledgerId: 1,
      sku: 'A',
      store: 'S001',
      delta: 2,
      reason: 'seed',
      refType: 'seed',
      refId: 's',
    };
    const capture = [
      {
        type: 'capture',
        topic: 'inventory-events',
        startedAt: '2026-01-01T00:00:00Z',
        startOffsets: { 0: '0' },
      },
      { type: 'message', partition: 0, offset: '0', key: 'A', timestamp: '0', value: JSON.stringify(event) },
      { type: 'end', stoppedAt: '2026-01-01T00:01:00Z', positions: { 0: '1' }, caughtUp: true },
    ];
    await mkdir(join(dir, 'streams'));
    const file = join(dir, 'streams', 'inventory-events.ndjson');
    await writeFile(file, capture.map((l) => JSON.stringify(l)).join('\n'));
    const judged = (await checkRunDirectory(dir, { write: false })).results.find(
      (r) => r.name === 'event-stream',
    )!;
    expect(judged).toMatchObject({ valid: true, figures: { published: 1, committed: 1 } });
    await writeFile(file, 'garbage\n');
    const unread = (await checkRunDirectory(dir, { write: false })).results.find(
      (r) => r.name === 'event-stream',
    )!;
    expect(unread.valid).toBe('unknown');
    expect(unread.explanation).toMatch(/could not be read/);
  });
});

describe('peakdrill check when the target could not be read back', () => {
  it('is a failing verdict about the target (target-recovery), not a harness error', async () => {
    const dir = await runDir(state);
    await rm(join(dir, 'state.json'));
    await writeFile(
      join(dir, 'oracle.json'),
      JSON.stringify({
        readable: false,
        reason: 'no region answered GET /admin/state',
        at: '2026-12-05T08:00:00.000Z',
      }),
    );
    const { verdict, results } = await checkRunDirectory(dir, { write: false });
    expect(verdict.status).toBe('fail');
    expect(verdict.run.endStatus).toBe('completed');
    const recovery = results.find((r) => r.name === 'target-recovery');
    expect(recovery?.valid).toBe(false);
    expect(recovery?.explanation).toMatch(/no region answered/);
  });

  it('without oracle.json a missing state is still a run that did not finish (error)', async () => {
    const dir = await runDir(state);
    await rm(join(dir, 'state.json'));
    const { verdict } = await checkRunDirectory(dir, { write: false });
    expect(verdict.status).toBe('error');
  });
});
