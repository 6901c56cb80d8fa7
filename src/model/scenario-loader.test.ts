import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinScenarioNames, loadScenario } from './scenario-loader.ts';

describe('scenario loader', () => {
  it('every built-in scenario loads and validates', async () => {
    const names = builtinScenarioNames();
    expect(names).toEqual(
      expect.arrayContaining([
        'flash-sale',
        'region-failover',
        'store-offline',
        'webhook-storm',
        'returns-under-failover',
      ]),
    );
    for (const name of names) {
      const { scenario } = await loadScenario(name);
      expect(scenario.name).toBe(name);
      expect(Object.keys(scenario.assertions).length).toBeGreaterThan(0);
    }
  });

  it('a module path loads; a broken one is an error naming the file and each field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-scenario-'));
    const broken = join(dir, 'broken.ts');
    writeFileSync(
      broken,
      `export default { name: 'Bad Name', description: 'x', traffic: { profile: 'flash-sale', duration: 'soon' } };\n`,
    );
    await expect(loadScenario(broken)).rejects.toThrow(
      /broken\.ts is invalid \(2 problems\):\n {2}- name: .*\n {2}- traffic\.duration: "soon"/,
    );
    await expect(loadScenario(join(dir, 'missing.ts'))).rejects.toThrow(/no scenario named or at/);
    writeFileSync(join(dir, 'nodefault.ts'), 'export const x = 1;\n');
    await expect(loadScenario(join(dir, 'nodefault.ts'))).rejects.toThrow(/no default export/);
  });

  it('resolves a relative traffic.recording against the scenario file, not the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-scenario-rec-'));
    const file = join(dir, 'replay.ts');
    writeFileSync(
      file,
      `export default { name: 'replay', description: 'x', traffic: { recording: 'captures/day.ndjson.gz' }, assertions: { oversold_units: '==0' } };\n`,
    );
    const { scenario } = await loadScenario(file, tmpdir());
    expect(scenario.traffic).toMatchObject({ recording: join(dir, 'captures', 'day.ndjson.gz') });
    const absolute = join(dir, 'replay-abs.ts');
    writeFileSync(
      absolute,
      `export default { name: 'replay', description: 'x', traffic: { recording: '/abs/day.ndjson' }, assertions: { oversold_units: '==0' } };\n`,
    );
    expect((await loadScenario(absolute)).scenario.traffic).toMatchObject({ recording: '/abs/day.ndjson' });
  });
});
