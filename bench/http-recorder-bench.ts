// What `peakdrill record http` costs the traffic it records: open-loop load at
// 2,000 and 10,000 checkouts/s against a null target (a process answering 201
// at once), direct and through the recorder (the real CLI, its own process),
// same run, latency in microseconds from the scheduled send time. Issue 12's
// goal: p99 added ≤ 1 ms at 2,000/s with every exchange recorded (0 missed).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { PortAllocator } from '../src/stack/free-port.ts';

const RATES = [2_000, 10_000];
const SECONDS = 8;
const BIN = join(import.meta.dirname, '..', 'bin', 'peakdrill.js');
const BODY = JSON.stringify({
  channel: 'web',
  store: 'S000',
  lines: [{ sku: 'SKU-000001', qty: 1 }],
  tenders: [{ kind: 'card', amountCents: 1_999 }],
});

const NULL_TARGET = `
const http = require('node:http');
const answer = JSON.stringify({ orderId: 'o-1', lines: [{ sku: 'SKU-000001', unitPriceCents: 1999 }] });
http.createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(answer)); })
  .listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

function ready(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before "${text}": ${seen}`)));
  });
}

/** Open loop: one checkout every 1/rate s for SECONDS, each timed from when it was due. */
async function load(
  url: string,
  rate: number,
): Promise<{ p50Us: number; p99Us: number; errors: number; sent: number }> {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const n = rate * SECONDS;
  let errors = 0;
  const start = performance.now() + 50;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1_000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // From when it was due when sent late (no coordinated omission), from the send when early.
    const from = Math.min(due, performance.now());
    pending.push(
      pool
        .request({
          method: 'POST',
          path: '/checkout',
          headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${i}` },
          body: BODY,
        })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode !== 201) errors++;
          h.recordValue(Math.max(1, Math.round((performance.now() - from) * 1_000)));
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(pending);
  await pool.close();
  const out = { p50Us: h.getValueAtPercentile(50), p99Us: h.getValueAtPercentile(99), errors, sent: n };
  h.destroy();
  return out;
}

export async function run(): Promise<Record<string, number | string>> {
  const ports = new PortAllocator();
  const targetPort = await ports.free();
  const target = spawn(process.execPath, ['-e', NULL_TARGET, String(targetPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-bench-record-http-'));
  const figures: Record<string, number | string> = {};
  try {
    await ready(target, 'ready');
    const direct = `http://127.0.0.1:${targetPort}`;
    for (const rate of RATES) {
      const d = await load(direct, rate);
      const proxyPort = await ports.free();
      const out = join(dir, `capture-${rate}.ndjson`);
      const recorder = spawn(
        process.execPath,
        [
          BIN,
          'record',
          'http',
          '--upstream',
          direct,
          '--listen',
          `127.0.0.1:${proxyPort}`,
          '--for',
          `${SECONDS + 4}s`,
          '--out',
          out,
          '--json',
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, PEAKDRILL_MASK_KEY: 'bench-masking-key-0123456789' },
        },
      );
      await ready(recorder, 'send your traffic there');
      const r = await load(`http://127.0.0.1:${proxyPort}`, rate);
      const done = await new Promise<number | null>((resolve) => recorder.once('exit', resolve));
      if (done !== 0) throw new Error(`record http exited ${done}`);
      const counts = JSON.parse(readFileSync(join(dir, `capture-${rate}.ndjson`), 'utf8').split('\n')[0]!)
        .capture.counts as Record<string, number>;
      const label = `${rate.toLocaleString('en-US')}/s`;
      figures[`${label} direct p50 / p99 (µs)`] = `${d.p50Us} / ${d.p99Us}`;
      figures[`${label} recorded p50 / p99 (µs)`] = `${r.p50Us} / ${r.p99Us}`;
      figures[`${label} p99 added (ms)`] = Math.round((r.p99Us - d.p99Us) / 10) / 100;
      figures[`${label} sent, errors direct / recorded`] = `${r.sent}, ${d.errors} / ${r.errors}`;
      figures[`${label} exchanges seen / recorded / missed`] =
        `${counts.seen} / ${counts.recorded} / ${counts.missed}`;
    }
    figures['goal at 2,000/s'] = 'p99 added ≤ 1 ms, 0 missed';
    return figures;
  } finally {
    target.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
