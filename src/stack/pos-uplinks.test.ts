import { describe, expect, it } from 'vitest';
import { POS_UPLINK_COUNT, posUplinkNames, posUplinkOf } from './pos-uplinks.ts';

describe('POS uplinks', () => {
  it('puts each fifth of the stores on its own uplink', () => {
    const stores = Array.from({ length: 20 }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
    const perUplink = new Map<string, number>();
    for (const s of stores) perUplink.set(posUplinkOf(s)!, (perUplink.get(posUplinkOf(s)!) ?? 0) + 1);
    expect([...perUplink.keys()].sort()).toEqual(posUplinkNames());
    expect([...perUplink.values()]).toEqual(Array(POS_UPLINK_COUNT).fill(4));
    expect(posUplinkOf('S001')).toBe('pos-uplink-1');
    expect(posUplinkOf('S006')).toBe('pos-uplink-1');
  });

  it('leaves the online location and unnumbered stores on the default link', () => {
    expect(posUplinkOf('S000')).toBeUndefined();
    expect(posUplinkOf('web')).toBeUndefined();
  });
});
