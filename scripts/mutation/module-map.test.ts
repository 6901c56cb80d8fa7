import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIOS } from '../../src/run/detection-matrix.ts';
import { groupOfFile, MODULE_GROUPS, selectGroups } from './module-map.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('module → scenario map', () => {
  it('maps every group to a built-in scenario and every file exists', () => {
    for (const g of MODULE_GROUPS) {
      expect(BUILTIN_SCENARIOS as readonly string[]).toContain(g.scenario);
      for (const f of g.files) expect(existsSync(join(ROOT, f)), f).toBe(true);
    }
  });

  it('maps the areas the self-test names to their scenarios', () => {
    const scenario = (file: string) => groupOfFile(`src/reference-store/${file}`)?.scenario;
    expect(scenario('refund-allocation.ts')).toBe('returns-under-failover');
    expect(scenario('offline-sync-repository.ts')).toBe('store-offline');
    expect(scenario('webhook-repository.ts')).toBe('webhook-storm');
    expect(scenario('scan-repository.ts')).toBe('cycle-count');
    expect(scenario('stock-repository.ts')).toBe('flash-sale');
    expect(scenario('failover-controller.ts')).toBe('region-failover');
    expect(scenario('store-server.ts')).toBeUndefined();
  });

  it('puts each file in one group only', () => {
    const files = MODULE_GROUPS.flatMap((g) => g.files);
    expect(new Set(files).size).toBe(files.length);
  });

  it('--only takes group names and file base names', () => {
    expect(selectGroups(undefined)).toHaveLength(MODULE_GROUPS.length);
    expect(selectGroups(['webhooks']).map((g) => g.name)).toEqual(['webhooks']);
    const narrowed = selectGroups(['refund-allocation.ts', 'scans']);
    expect(narrowed.map((g) => [g.name, g.files.length])).toEqual([
      ['returns', 1],
      ['scans', 2],
    ]);
    expect(narrowed[0]!.files).toEqual(['src/reference-store/refund-allocation.ts']);
    expect(() => selectGroups(['payments'])).toThrow(/no such module group or file; choose among checkout/);
  });
});
