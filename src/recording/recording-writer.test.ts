import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecordingEvent } from '../model/recording-schema.ts';
import { SAMPLE_HEADER } from './recording-arbitraries.ts';
import { serializeRecordingLine, writeRecording, writeRecordingToStream } from './recording-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EVENT: RecordingEvent = {
  t: 5,
  kind: 'price-change',
  id: 'pc-1',
  sku: 'SKU-000001',
  priceCents: 1999,
};

describe('recording writer', () => {
  it('puts the envelope first and sorts the rest, whatever order the object was built in', () => {
    const shuffled = {
      priceCents: 1999,
      sku: 'SKU-000001',
      id: 'pc-1',
      kind: 'price-change',
      t: 5,
    } as RecordingEvent;
    expect(serializeRecordingLine(shuffled)).toBe(
      '{"t":5,"kind":"price-change","id":"pc-1","priceCents":1999,"sku":"SKU-000001"}',
    );
    expect(serializeRecordingLine(shuffled)).toBe(serializeRecordingLine(EVENT));
    expect(serializeRecordingLine(SAMPLE_HEADER)).toMatch(/^\{"type":"header","schemaVersion":1,"endTime":/);
  });

  it('sorts nested objects and drops undefined fields', () => {
    const order = {
      t: 1,
      kind: 'order',
      id: 'o',
      channel: 'pos',
      store: 'S001',
      terminal: undefined,
      lines: [{ unitPriceCents: 1, sku: 'SKU-000001', qty: 1 }],
      tenders: [{ amountCents: 1, type: 'cash' }],
      idempotencyKey: 'k',
    } as RecordingEvent;
    expect(serializeRecordingLine(order)).toBe(
      '{"t":1,"kind":"order","id":"o","channel":"pos","idempotencyKey":"k",' +
        '"lines":[{"qty":1,"sku":"SKU-000001","unitPriceCents":1}],"store":"S001","tenders":[{"type":"cash","amountCents":1}]}',
    );
  });

  it('gzips when the path ends in .gz or when asked, and writes the same bytes each time', async () => {
    const events = Array.from({ length: 3000 }, (_, i) => ({ ...EVENT, t: i, id: `pc-${i}` }));
    const plain = join(dir, 'a.ndjson');
    const zipped = join(dir, 'a.ndjson.gz');
    const forced = join(dir, 'b.ndjson');
    const result = await writeRecording(plain, SAMPLE_HEADER, events);
    await writeRecording(zipped, SAMPLE_HEADER, events);
    await writeRecording(forced, SAMPLE_HEADER, events, { gzip: true });
    expect(result.events).toBe(3000);
    expect(result.bytes).toBe(readFileSync(plain).length);
    expect(gunzipSync(readFileSync(zipped)).equals(readFileSync(plain))).toBe(true);
    expect(readFileSync(forced).equals(readFileSync(zipped))).toBe(true);
    await writeRecording(zipped, SAMPLE_HEADER, events);
    expect(readFileSync(forced).equals(readFileSync(zipped))).toBe(true);
    const lines = readFileSync(plain, 'utf8').split('\n');
    expect(lines).toHaveLength(3002);
    expect(lines.at(-1)).toBe('');
  });

  it('writes into a caller-owned stream without ending it', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    async function* events() {
      yield EVENT;
    }
    await writeRecordingToStream(out, SAMPLE_HEADER, events());
    expect(out.writableEnded).toBe(false);
    expect(Buffer.concat(chunks).toString()).toBe(
      `${serializeRecordingLine(SAMPLE_HEADER)}\n${serializeRecordingLine(EVENT)}\n`,
    );
  });
});
