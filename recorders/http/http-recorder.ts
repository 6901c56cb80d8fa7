// `peakdrill record http`: a reverse proxy in front of a system's HTTP API that
// forwards every request and answer unchanged (method, path, headers, body,
// status) and keeps a copy of each exchange. Copies wait in a bounded queue: when
// it is full an exchange is counted as missed instead of slowing the traffic.
// finish() decodes the copies in arrival order through the target's exchange
// decoder into recording events; what does not decode is kept masked beside the
// recording. Nothing unmasked is ever written.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Pool } from 'undici';
import type { RecordingEvent, RecordingHeader } from '../../src/model/recording-schema.ts';
import type { ExchangeDecoder, HttpExchange } from '../../src/targets/target-codec.ts';
import { emptyCounts, writeCaptureOutput } from '../capture-output.ts';
import type { Masker } from '../masking/masker.ts';

export interface HttpRecorderOptions {
  readonly upstream: string;
  readonly host: string;
  readonly port: number;
  readonly masker: Masker;
  readonly decoder: ExchangeDecoder | undefined;
  /** Exchanges held for decoding at most; beyond it they are forwarded but counted missed. */
  readonly maxHeld?: number;
  /** A body larger than this is forwarded whole but its copy is cut (and the exchange kept raw). */
  readonly maxBodyBytes?: number;
}

interface Held extends HttpExchange {
  readonly atMs: number;
  readonly truncated: boolean;
}

/** How long finish() waits for exchanges still under way. */
const FINISH_GRACE_MS = 10_000;

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, not to the exchange.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

function forwardable(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'host') out[k] = v;
  return out;
}

function flat(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export class HttpRecorder {
  readonly counts = emptyCounts();
  private readonly options: HttpRecorderOptions;
  private readonly upstream: Pool;
  private readonly server: Server;
  private readonly held: Held[] = [];
  private readonly startedAt = Date.now();
  private inFlight = 0;

  private constructor(options: HttpRecorderOptions) {
    this.options = options;
    this.upstream = new Pool(options.upstream, { connections: 128, pipelining: 1 });
    this.server = createServer((req, res) => void this.forward(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  static async start(options: HttpRecorderOptions): Promise<HttpRecorder> {
    const recorder = new HttpRecorder(options);
    await new Promise<void>((resolve, reject) => {
      recorder.server.once('error', reject);
      recorder.server.listen(options.port, options.host, () => resolve());
    });
    return recorder;
  }

  get url(): string {
    const a = this.server.address() as { address: string; port: number };
    return `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.seen++;
    this.inFlight++;
    const atMs = Date.now() - this.startedAt;
    const max = this.options.maxBodyBytes ?? 1024 * 1024;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const answer = await this.upstream.request({
        method: req.method as 'GET',
        path: req.url ?? '/',
        headers: forwardable(req.headers),
        body: body.length > 0 ? body : null,
      });
      res.writeHead(answer.statusCode, forwardable(answer.headers as IncomingMessage['headers']));
      const copy: Buffer[] = [];
      let copied = 0;
      for await (const chunk of answer.body) {
        res.write(chunk);
        if (copied < max) copy.push(chunk as Buffer);
        copied += (chunk as Buffer).length;
      }
      res.end();
      this.hold({
        atMs,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        requestHeaders: flat(req.headers),
        requestBody: body.subarray(0, max).toString('utf8'),
        status: answer.statusCode,
        responseBody: Buffer.concat(copy).subarray(0, max).toString('utf8'),
        truncated: body.length > max || copied > max,
      });
    } catch (error) {
      // The upstream did not answer: the client gets a 502, as from any proxy, and nothing is recorded.
      this.counts.missed++;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(
        `peakdrill record: upstream ${this.options.upstream} did not answer: ${(error as Error).message}\n`,
      );
    } finally {
      this.inFlight--;
    }
  }

  private hold(exchange: Held): void {
    if (this.held.length >= (this.options.maxHeld ?? 1_000_000)) {
      this.counts.missed++;
      return;
    }
    this.held.push(exchange);
  }

  /** Stops taking connections, lets exchanges under way finish, then writes the recording. */
  async finish(out: string): Promise<{ header: RecordingHeader; undecodedPath: string | undefined }> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    // A stuck upstream must not hold the recording: after the grace, what is still under way is missed.
    const graceUntil = Date.now() + FINISH_GRACE_MS;
    while (this.inFlight > 0 && Date.now() < graceUntil) await new Promise((r) => setTimeout(r, 20));
    // Destroying the pool fails what is left at once; each is counted missed as it fails.
    await this.upstream.destroy();
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    return this.write(out);
  }

  private async write(out: string): Promise<{ header: RecordingHeader; undecodedPath: string | undefined }> {
    const { masker, decoder } = this.options;
    const events: RecordingEvent[] = [];
    const raw: object[] = [];
    // By when each request began: a return always starts after its checkout was answered.
    const held = [...this.held].sort((a, b) => a.atMs - b.atMs);
    for (const [i, x] of held.entries()) {
      this.counts.recorded++;
      const id = `http:${i + 1}`;
      const decoded = x.truncated || decoder === undefined ? undefined : decoder.decode(x, id);
      if (decoded !== undefined && 'event' in decoded) {
        this.counts.decoded++;
        events.push(masker.json({ ...decoded.event, t: x.atMs, id }) as RecordingEvent);
        continue;
      }
      this.counts.raw++;
      raw.push({
        t: x.atMs,
        why:
          decoded?.undecodable ?? (x.truncated ? 'a body over the copy limit' : 'no decoder for this target'),
        method: x.method,
        path: masker.text(x.path),
        requestHeaders: masker.headers(x.requestHeaders),
        requestBody: masker.text(x.requestBody),
        status: x.status,
        responseBody: masker.text(x.responseBody),
      });
    }
    return writeCaptureOutput({
      out,
      source: 'http-capture',
      startMs: this.startedAt,
      stoppedMs: Date.now(),
      events,
      undecoded: raw,
      masker,
      counts: this.counts,
    });
  }
}
