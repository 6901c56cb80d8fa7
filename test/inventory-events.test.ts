// The inventory-events stream as evidence, on real Kafka and the real store:
// the capture reads a topic with no consumer group and leaves a file a killed run
// can still be read from; a short run against the correct store publishes every
// committed ledger entry exactly once; `outbox-skip` loses entries and the
// event-stream checker says so, entry by entry, from the captured file alone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_STREAM } from '../src/checkers/event-stream-checker.ts';
import { kafkaAdmin, stringProducer } from '../src/kafka/kafka-clients.ts';
import { INVENTORY_EVENTS_TOPIC } from '../src/reference-store/outbox-relay.ts';
import { checkRunDirectory } from '../src/run/check-run.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { capturePath, readCapturedStream } from '../src/streams/captured-stream.ts';
import { StreamCapture } from '../src/streams/stream-capture.ts';
import type { Verdict } from '../src/verdict/verdict-schema.ts';
import { peakdrill } from './support/cli.ts';
import { startTestStack } from './support/stack-fixture.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'scenario-events.ts');
const out = mkdtempSync(join(tmpdir(), 'peakdrill-events-'));

/** One `peakdrill run` of the fixture on a stack of its own; the verdict's event-stream result. */
async function run(runId: string, defect?: string) {
  const args = ['run', SCENARIO, '--out', out, '--run-id', runId, ...(defect ? ['--defect', defect] : [])];
  const done = await peakdrill(args).done;
  const runDir = join(out, runId);
  const verdict = JSON.parse(readFileSync(join(runDir, 'verdict.json'), 'utf8')) as Verdict;
  const result = verdict.checkers.find((c) => c.name === EVENT_STREAM);
  return { done, runDir, verdict, result: result! };
}

describe('capturing a topic without a consumer group', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('inventory-events');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('records what is produced after it starts, in offset order, and joins no group', async () => {
    const producer = stringProducer(stack.kafkaBrokers, 'capture-test', { idempotent: true });
    const admin = kafkaAdmin(stack.kafkaBrokers, 'capture-test-admin');
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-capture-'));
    try {
      const send = (from: number, n: number) =>
        producer.send({
          messages: Array.from({ length: n }, (_, i) => ({
            topic: INVENTORY_EVENTS_TOPIC,
            key: `K${(from + i) % 7}`,
            value: `{"n":${from + i}}`,
          })),
        });
      await send(0, 20); // before the capture: not in it
      const path = capturePath(dir, INVENTORY_EVENTS_TOPIC);
      const capture = await StreamCapture.start({
        brokers: stack.kafkaBrokers,
        topic: INVENTORY_EVENTS_TOPIC,
        path,
      });
      await send(20, 100);
      await capture.stop({ until: () => capture.messages >= 100, maxWaitMs: 10_000 });
      const file = readCapturedStream(dir, INVENTORY_EVENTS_TOPIC)!;
      const ns = file.messages.map((m) => (JSON.parse(m.value!) as { n: number }).n);
      expect(ns.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 20 + i));
      expect(file.end).toMatchObject({ caughtUp: true });
      for (const p of [0, 1, 2]) {
        const offsets = file.messages.filter((m) => m.partition === p).map((m) => Number(m.offset));
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      }
      // No store runs on this stack, so any group would be the capture's.
      expect([...(await admin.listGroups()).keys()]).toEqual([]);
    } finally {
      await Promise.all([producer.close(), admin.close()]);
    }
  });
  it('record kafka: a past window of scans becomes a masked recording that inspect reads, joining no group', async () => {
    const producer = stringProducer(stack.kafkaBrokers, 'record-test', { idempotent: true });
    const admin = kafkaAdmin(stack.kafkaBrokers, 'record-test-admin');
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-record-'));
    const email = 'ann.buyer@example.com';
    const card = '4111111111111111';
    try {
      const from = new Date();
      await producer.send({
        messages: [
          ...Array.from({ length: 30 }, (_, i) => ({
            topic: 'scans',
            key: `SKU-${i % 3}`,
            value: JSON.stringify({
              scanId: `scanner:S001-1:receiving:${i + 1}`,
              kind: 'receiving',
              sku: `SKU-${i % 3}`,
              store: 'S001',
              sequence: i + 1,
              qty: 5,
            }),
          })),
          { topic: 'scans', key: 'SKU-0', value: `manual note from ${email}, card ${card}` },
        ],
      });
      const to = new Date(Date.now() + 1);
      await new Promise((r) => setTimeout(r, 5));
      const file = join(dir, 'scans.ndjson');
      const done = await peakdrill(
        [
          ...['record', 'kafka', '--brokers', stack.kafkaBrokers.join(','), '--topics', 'scans'],
          ...['--from', from.toISOString(), '--to', to.toISOString(), '--out', file, '--json'],
        ],
        { PEAKDRILL_MASK_KEY: 'record-test-key-0123456789' },
      ).done;
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({
        seen: 31,
        recorded: 31,
        decoded: 30,
        raw: 1,
        missed: 0,
      });
      const inspected = await peakdrill(['inspect', file, '--json']).done;
      expect(inspected.code, inspected.stderr).toBe(0);
      expect(JSON.parse(inspected.stdout)).toMatchObject({ events: 30 });
      // Per key, the sequence never goes back: the capture keeps each SKU's order.
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ source: 'kafka-capture', capture: { counts: { raw: 1 } } });
      for (const sku of ['SKU-0', 'SKU-1', 'SKU-2']) {
        const seqs = lines.filter((e) => e.sku === sku).map((e) => e.sequence as number);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      }
      const raw = readFileSync(`${file}.undecoded.ndjson`, 'utf8');
      expect(raw).toContain('manual note from');
      expect(raw).not.toContain(email);
      expect(raw).not.toContain(card);
      expect([...(await admin.listGroups()).keys()]).toEqual([]);
      // No key, no capture: the masking key is required before anything is read.
      const keyless = await peakdrill(
        ['record', 'kafka', '--brokers', stack.kafkaBrokers.join(','), '--out', file],
        {
          PEAKDRILL_MASK_KEY: '',
        },
      ).done;
      expect(keyless.code).toBe(2);
      expect(keyless.stderr).toContain('PEAKDRILL_MASK_KEY is not set');
      const missing = await peakdrill(
        [
          'record',
          'kafka',
          '--brokers',
          stack.kafkaBrokers.join(','),
          '--topics',
          'no-such-topic',
          '--out',
          file,
        ],
        { PEAKDRILL_MASK_KEY: 'record-test-key-0123456789' },
      ).done;
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('cannot capture topic no-such-topic');
    } finally {
      await Promise.all([producer.close(), admin.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the event-stream checker on real runs', () => {
  it('the correct store publishes every committed ledger entry exactly once', async () => {
    const { done, runDir, result } = await run('correct');
    expect(done.code, done.stderr.slice(-2_000)).toBe(0);
    expect(result.valid, result.explanation).toBe(true);
    expect(result.figures.committed).toBeGreaterThan(0);
    expect(result.figures.published).toBe(result.figures.committed);
    expect(result.figures).toMatchObject({ duplicates: 0, outOfOrder: 0, phantom: 0, lost: 0 });
    // `peakdrill check` judges it again from the run directory alone (the captured file).
    const again = await checkRunDirectory(runDir, { write: false });
    expect(again.results.find((r) => r.name === EVENT_STREAM)?.figures).toEqual(result.figures);
  });

  it('outbox-skip: entries the relay moved past are lost, each named by ledger id', async () => {
    const { done, result } = await run('outbox-skip', 'outbox-skip');
    expect(done.code).toBe(1);
    expect(result.valid).toBe(false);
    expect(result.figures.lost).toBeGreaterThan(0);
    expect(result.figures.published).toBeLessThan(result.figures.committed!);
    expect(result.figures.phantom).toBe(0);
    expect(result.evidence[0]).toMatchObject({
      what: 'committed ledger entry never published',
      key: expect.stringMatching(/^ledger \d+$/),
    });
  });
});
