import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, ensureChromium, findChromium } from './chromium-installer.ts';
import { locateTools } from './tool-locator.ts';

// `peakdrill setup` (npm test's pretest, and CI) installs chromium before this runs.
describe('chromium (installed by peakdrill setup)', () => {
  it('is found with its version, and setup does not install it again', async () => {
    const found = await findChromium();
    expect(found).toEqual({ path: CHROMIUM_PATH, version: expect.stringMatching(/^\d+\.\d+/) });
    const log: string[] = [];
    expect(await ensureChromium((line) => log.push(line))).toEqual(found);
    expect(log).toEqual([]);
  });

  it('is reported by doctor like the other tools', async () => {
    const chromium = (await locateTools()).find((t) => t.name === 'chromium');
    expect(chromium).toMatchObject({ found: true, path: CHROMIUM_PATH, fix: null });
  });
});
