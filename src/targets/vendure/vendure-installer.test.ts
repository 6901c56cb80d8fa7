import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOLCHAIN } from '../../stack/toolchain/toolchain-versions.ts';
import { findVendure, vendurePackageSpecs } from './vendure-installer.ts';

describe('Vendure installer', () => {
  it('installs exactly the pinned packages', () => {
    expect(vendurePackageSpecs()).toEqual([`@vendure/core@${TOOLCHAIN.vendure.version}`, 'pg@8.23.1']);
  });

  it('counts only a finished install of the same pin as installed', () => {
    const cache = mkdtempSync(join(tmpdir(), 'peakdrill-vendure-cache-'));
    const env = { PEAKDRILL_CACHE: cache };
    const dir = join(cache, 'vendure', TOOLCHAIN.vendure.version);
    mkdirSync(join(dir, 'node_modules', '@vendure', 'core'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', '@vendure', 'core', 'package.json'), '{}');
    expect(findVendure(env)).toBeUndefined();
    writeFileSync(join(dir, '.peakdrill-installed.json'), JSON.stringify({ specs: ['@vendure/core@0.0.1'] }));
    expect(findVendure(env)).toBeUndefined();
    writeFileSync(join(dir, '.peakdrill-installed.json'), JSON.stringify({ specs: vendurePackageSpecs() }));
    expect(findVendure(env)).toMatchObject({ dir, version: TOOLCHAIN.vendure.version });
  });
});
