import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMainForTest } from './command-test-harness.ts';

const root = mkdtempSync(join(tmpdir(), 'peakdrill-target-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('peakdrill target', () => {
  it('list: each target with what it can do and the built-in scenarios it can run', async () => {
    const { code, stdout } = await runMainForTest(['target', 'list', '--json'], root);
    expect(code).toBe(0);
    const { targets } = JSON.parse(stdout) as {
      targets: { name: string; lacks: string[]; scenarios: string[] }[];
    };
    const byName = new Map(targets.map((t) => [t.name, t]));
    expect(byName.get('reference-store')?.lacks).toEqual([]);
    expect(byName.get('reference-store')?.scenarios).toContain('store-offline');
    expect(byName.get('vendure')?.lacks).toContain('offline-sync');
    expect(byName.get('vendure')?.scenarios).toEqual(['flash-sale']);
  });

  it('check without a config, or with one that is not JSON, is a usage error with the fix', async () => {
    const none = await runMainForTest(['target', 'check'], root);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/`target check` needs the path of a target config/);
    const missing = await runMainForTest(['target', 'check', join(root, 'nope.json')], root);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/target config .*nope\.json: ENOENT/);
    expect(missing.stderr).toMatch(/fix: /);
  });
});
