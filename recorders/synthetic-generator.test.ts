import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PeakdrillError } from '../src/model/errors.ts';
import { type RecordingEvent, recordingEventSchema } from '../src/model/recording-schema.ts';
import { readRecording } from '../src/recording/recording-reader.ts';
import { serializeRecordingLine, writeRecording } from '../src/recording/recording-writer.ts';
import { PROFILE_DEFAULTS } from './profiles/profile-defaults.ts';
import { catalogFor, type GenerateOptions, generateRecording, PROFILE_NAMES } from './synthetic-generator.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-generator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function digest(options: GenerateOptions): string {
  const { header, events } = generateRecording(options);
  const hash = createHash('sha256').update(serializeRecordingLine(header));
  for (const event of events) hash.update(serializeRecordingLine(event));
  return hash.digest('hex');
}

const SMALL = { durationS: 30, stores: 2, skus: 120 } as const;

describe('generateRecording', () => {
  it.each(PROFILE_NAMES)('%s: same options give the same bytes, another seed different ones', (profile) => {
    const a = digest({ profile, seed: 11, ...SMALL });
    expect(digest({ profile, seed: 11, ...SMALL })).toBe(a);
    expect(digest({ profile, seed: 12, ...SMALL })).not.toBe(a);
  });

  it('writes byte-identical files for the same seed', async () => {
    const options = { profile: 'flash-sale', seed: 3, durationS: 20, stores: 2, skus: 60 };
    const first = join(dir, 'a.ndjson.gz');
    const second = join(dir, 'b.ndjson.gz');
    const { header, events } = generateRecording(options);
    await writeRecording(first, header, events);
    await writeRecording(second, generateRecording(options).header, generateRecording(options).events);
    expect(readFileSync(first).equals(readFileSync(second))).toBe(true);
    const read = await readRecording(first);
    expect(read.events).toEqual([...events]);
  });

  it.each(PROFILE_NAMES)('%s: valid, time-ordered events with unique ids inside the window', (profile) => {
    const { header, events } = generateRecording({ profile, seed: 5, durationS: 120, stores: 3, skus: 300 });
    // flash-sale's drop holds 60 s at ~30x: 120 s is enough to cover ramp, hold and decay.
    expect(header).toMatchObject({ source: `generator:${profile}`, profile, seed: 5, stores: 3, skus: 300 });
    expect(Date.parse(header.endTime) - Date.parse(header.startTime)).toBe(120_000);
    const ids = new Set<string>();
    const problems: string[] = [];
    let last = 0;
    let count = 0;
    // Plain checks in the loop (expect per event is slow); one assertion at the end.
    for (const event of events) {
      const parsed = recordingEventSchema.safeParse(event);
      if (!parsed.success) problems.push(`${event.id}: ${parsed.error.message}`);
      if (event.t < last || event.t >= 120_000 || !Number.isInteger(event.t))
        problems.push(`${event.id}: t ${event.t}`);
      if (ids.has(event.id)) problems.push(`${event.id}: duplicate id`);
      ids.add(event.id);
      last = event.t;
      count += 1;
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(count).toBeGreaterThan(50);
  });

  it('uses fixed per-profile defaults and never the clock', () => {
    const { header, options } = generateRecording({ profile: 'holiday-peak', seed: 1 });
    const d = PROFILE_DEFAULTS['holiday-peak'];
    expect(options).toEqual({
      profile: 'holiday-peak',
      seed: 1,
      durationS: d.durationS,
      stores: d.stores,
      skus: d.skus,
      startTime: d.startTime,
    });
    expect(header.startTime).toBe(d.startTime);
    const shifted = generateRecording({
      profile: 'holiday-peak',
      seed: 1,
      startTime: '2025-11-28T15:00:00+01:00',
    });
    expect(shifted.header.startTime).toBe('2025-11-28T14:00:00.000Z');
  });

  it('streams: a long window yields its first events without generating the rest', () => {
    const { events } = generateRecording({ profile: 'holiday-peak', seed: 1, durationS: 7 * 24 * 3600 });
    const started = performance.now();
    let n = 0;
    for (const _ of events) if (++n === 1000) break;
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses bad options with every problem named', () => {
    const attempt = () =>
      generateRecording({
        profile: 'black-friday',
        seed: -1,
        durationS: 0,
        stores: 1000,
        skus: 5,
      } as GenerateOptions);
    expect(attempt).toThrow(PeakdrillError);
    expect(attempt).toThrow(/profile: unknown profile; expected one of steady-day, flash-sale/);
    expect(attempt).toThrow(/seed: .*durationS: .*stores: .*skus: /);
  });
});

describe('catalogFor', () => {
  it('describes every SKU the events use, with the hot drop limited and online only', () => {
    const options = { profile: 'flash-sale', seed: 9, durationS: 120, stores: 3, skus: 400 };
    const catalog = catalogFor(options);
    expect(catalog.stores).toEqual(['S001', 'S002', 'S003']);
    expect(catalog.onlineLocation).toBe('S000');
    expect(catalog.skus).toHaveLength(400);
    const bySku = new Map(catalog.skus.map((s) => [s.sku, s]));
    const hot = catalog.skus.filter((s) => s.hot);
    expect(hot).toHaveLength(PROFILE_DEFAULTS['flash-sale'].hotSkus);
    for (const s of hot) expect(s).toMatchObject({ stockOnline: 300, stockPerStore: 0 });
    for (const s of catalog.skus.filter((x) => !x.hot)) expect(s.stockPerStore).toBeGreaterThanOrEqual(8);
    const seen = new Set<string>();
    for (const event of generateRecording(options).events) {
      if (event.kind === 'order') for (const line of event.lines) seen.add(line.sku);
    }
    for (const sku of seen) expect(bySku.has(sku)).toBe(true);
    expect([...seen].some((sku) => bySku.get(sku)!.hot)).toBe(true);
    expect(catalogFor(options)).toEqual(catalog);
  });

  it('prices orders at the catalog price until a price-change says otherwise', () => {
    const options = { profile: 'holiday-peak', seed: 4, durationS: 300, stores: 2, skus: 300 };
    const price = new Map(catalogFor(options).skus.map((s) => [s.sku, s.priceCents]));
    let changes = 0;
    for (const event of generateRecording(options).events as Iterable<RecordingEvent>) {
      if (event.kind === 'price-change') {
        price.set(event.sku, event.priceCents);
        changes += 1;
      }
      if (event.kind === 'order')
        for (const line of event.lines) expect(line.unitPriceCents).toBe(price.get(line.sku));
    }
    expect(changes).toBeGreaterThan(0);
  });
});
