// Append-only NDJSON history writer for the hot path. append() only copies a
// line into a reused buffer; batches go to disk with fs.write on an 'a' fd, at
// least every flushIntervalMs and whenever flushAtBytes pile up (not more often:
// few large writes), one write in flight at a time so lines land in append
// order. close() flushes and fsyncs; flushSync() is for exit and signal
// handlers. A failed write is sticky: the next append(), flush() or close() throws it.
import { close, fstat, fstatSync, fsync, open, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { PeakdrillError, type PeakdrillErrorCode } from '../model/errors.ts';
import type { HistoryEntry } from '../model/history-entry.ts';

/** errors.ts has no history-specific code yet; PEAKDRILL_ERR_HISTORY_WRITE would be the right one. */
export const HISTORY_WRITE_ERROR_CODE: PeakdrillErrorCode = 'PEAKDRILL_ERR_HISTORY_WRITE';

export interface HistoryWriterOptions {
  /** Size of each batch buffer. Lines longer than a third of it get a buffer of their own. */
  readonly bufferBytes?: number;
  /** A batch is started as soon as this many bytes are waiting. */
  readonly flushAtBytes?: number;
  readonly flushIntervalMs?: number;
  /** How long flushSync() waits for a write already handed to the thread pool. */
  readonly syncWaitMs?: number;
  /**
   * Allow a file that already has content. Off by default: a history holds one run, and a
   * second run appended to it would only fail later, at read time.
   */
  readonly appendToExisting?: boolean;
}

const NEWLINE = 0x0a;
const MAX_POOLED_BUFFERS = 4;

const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class HistoryWriter implements AsyncDisposable {
  readonly path: string;
  private readonly fd: number;
  private readonly isRegularFile: boolean;
  private readonly bufferBytes: number;
  private readonly flushAtBytes: number;
  private readonly syncWaitMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly free: Buffer[] = [];
  private active: Buffer;
  private used = 0;
  /** Full batches waiting for the in-flight write, oldest first. */
  private readonly queue: Buffer[] = [];
  private readonly queueLengths: number[] = [];
  private writing: Buffer | null = null;
  private writingEnd = 0;
  private writingOffset = 0;
  /** flushSync() already put the in-flight batch on disk; its callback only releases the buffer. */
  private writingSettled = false;
  /** File size our own completed writes account for (single-writer contract). */
  private committedBytes: number;
  private error: PeakdrillError | null = null;
  private closing: Promise<void> | null = null;
  private fdClosed = false;
  private waiters: Waiter[] = [];
  private entries = 0;
  private readonly onWritten = (err: NodeJS.ErrnoException | null, written: number): void => {
    this.handleWritten(err, written);
  };
  private readonly onTimer = (): void => {
    // If a write is in flight, the batch goes as soon as it lands rather than a tick later.
    this.due = true;
    this.kick();
  };
  /** The flush interval has passed since the active batch was last written. */
  private due = false;

  private constructor(
    path: string,
    fd: number,
    size: number,
    isRegularFile: boolean,
    options: HistoryWriterOptions,
  ) {
    this.path = path;
    this.fd = fd;
    this.committedBytes = size;
    this.isRegularFile = isRegularFile;
    this.bufferBytes = options.bufferBytes ?? 256 * 1024;
    this.flushAtBytes = Math.min(options.flushAtBytes ?? 64 * 1024, this.bufferBytes);
    this.syncWaitMs = options.syncWaitMs ?? 2_000;
    this.active = Buffer.allocUnsafeSlow(this.bufferBytes);
    // unref'd: a forgotten writer must not keep the process alive; close() is the contract.
    this.timer = setInterval(this.onTimer, options.flushIntervalMs ?? 100).unref();
  }

  /** Opens (creating if needed) `path` for appending. */
  static async open(path: string, options: HistoryWriterOptions = {}): Promise<HistoryWriter> {
    let fd: number;
    try {
      fd = await openAsync(path, 'a');
    } catch (cause) {
      throw writeError(path, 'open', cause);
    }
    try {
      const stat = await fstatAsync(fd);
      if (stat.isFile() && stat.size > 0 && options.appendToExisting !== true) {
        throw new PeakdrillError(
          'PEAKDRILL_ERR_USAGE',
          `history ${path} already holds ${stat.size} bytes: a history file holds one run`,
          { hint: 'give each run its own directory (reports/<run-id>/), or remove the old file' },
        );
      }
      return new HistoryWriter(path, fd, stat.size, stat.isFile(), options);
    } catch (error) {
      await closeAsync(fd).catch(() => undefined);
      throw error;
    }
  }

  /** Entries appended so far. */
  get entriesAppended(): number {
    return this.entries;
  }

  /** Bytes appended but not yet confirmed written: a disk falling behind shows here. */
  get backlogBytes(): number {
    let n =
      this.used + (this.writing === null || this.writingSettled ? 0 : this.writingEnd - this.writingOffset);
    for (const len of this.queueLengths) n += len;
    return n;
  }

  append(entry: HistoryEntry): void {
    if (this.error !== null) throw this.error;
    if (this.closing !== null) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `history ${this.path}: append after close`);
    }
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch (cause) {
      // e.g. a BigInt or a cycle in an op value: the caller's bug, named with the op.
      const what = 'op' in entry ? `op ${entry.op}` : `${entry.type} entry`;
      throw new PeakdrillError('PEAKDRILL_ERR_INVALID_INPUT', `history ${this.path}: ${what} is not JSON`, {
        cause,
      });
    }
    this.appendLine(line);
  }

  /**
   * Appends a line the caller serialized itself, as append() would have: one JSON object
   * that is a history entry, no newline (the hot path builds its fixed-shape entries by hand).
   */
  appendLine(line: string): void {
    if (this.error !== null) throw this.error;
    if (this.closing !== null) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `history ${this.path}: append after close`);
    }
    // UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair: 4 for 2), so this bound is safe
    // and avoids measuring every line with Buffer.byteLength.
    const worst = line.length * 3 + 1;
    if (worst > this.bufferBytes / 3) {
      this.appendLarge(line);
    } else {
      if (this.used + worst > this.active.length) this.rotate();
      this.used += this.active.write(line, this.used, 'utf8');
      this.active[this.used++] = NEWLINE;
    }
    this.entries++;
    if (this.used >= this.flushAtBytes) this.kick();
  }

  /** Resolves when everything appended before the call is written (not fsynced). */
  flush(): Promise<void> {
    if (this.error !== null) return Promise.reject(this.error);
    if (this.isIdle()) return Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.waiters.push({ resolve, reject });
    this.kick();
    return promise;
  }

  /**
   * Writes everything appended so far before returning, blocking the thread: for
   * process.on('exit') and signal handlers, where nothing asynchronous runs any more.
   * No fsync: the data is in the kernel, which keeps it when the process dies.
   */
  flushSync(): void {
    if (this.error !== null) throw this.error;
    if (this.fdClosed) return;
    if (this.writing !== null && !this.writingSettled) this.settleInFlightSync();
    while (this.queue.length > 0) {
      const buf = this.queue.shift()!;
      const len = this.queueLengths.shift()!;
      this.writeAllSync(buf, 0, len);
      this.release(buf);
    }
    if (this.used > 0) {
      this.writeAllSync(this.active, 0, this.used);
      this.used = 0;
    }
    if (this.writing === null) this.resolveWaiters();
  }

  /** Flushes, fsyncs and closes. Idempotent; throws the first write error if there was one. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async doClose(): Promise<void> {
    clearInterval(this.timer);
    try {
      if (this.error === null) {
        await this.flush();
        try {
          await fsyncAsync(this.fd);
        } catch (cause) {
          this.error ??= writeError(this.path, 'fsync', cause);
        }
      }
    } finally {
      await this.waitForInFlight();
      this.fdClosed = true;
      await closeAsync(this.fd).catch(() => undefined);
    }
    if (this.error !== null) throw this.error;
  }

  private isIdle(): boolean {
    return this.writing === null && this.queue.length === 0 && this.used === 0;
  }

  private appendLarge(line: string): void {
    if (this.used > 0) this.rotate();
    const buf = Buffer.from(`${line}\n`, 'utf8');
    this.queue.push(buf);
    this.queueLengths.push(buf.length);
    this.kick();
  }

  /** Parks the active batch in the queue and continues in a fresh buffer. */
  private rotate(): void {
    if (this.used > 0) {
      this.queue.push(this.active);
      this.queueLengths.push(this.used);
      this.active = this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
      this.used = 0;
    }
    this.kick();
  }

  private kick(): void {
    if (this.writing !== null || this.error !== null || this.fdClosed) return;
    let buf: Buffer;
    let len: number;
    if (this.queue.length > 0) {
      buf = this.queue.shift()!;
      len = this.queueLengths.shift()!;
    } else if (this.used > 0) {
      buf = this.active;
      len = this.used;
      this.active = this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
      this.used = 0;
      this.due = false;
    } else {
      this.resolveWaiters();
      return;
    }
    this.writing = buf;
    this.writingOffset = 0;
    this.writingEnd = len;
    this.writingSettled = false;
    write(this.fd, buf, 0, len, null, this.onWritten);
  }

  private handleWritten(err: NodeJS.ErrnoException | null, written: number): void {
    const buf = this.writing!;
    if (this.writingSettled) {
      // flushSync() already accounted for this batch.
      this.writing = null;
      this.release(buf);
      this.continueAfterWrite();
      return;
    }
    if (err !== null) {
      this.writing = null;
      this.fail(writeError(this.path, 'write', err));
      return;
    }
    this.writingOffset += written;
    this.committedBytes += written;
    if (this.writingOffset < this.writingEnd) {
      // Short writes are legal (e.g. a disk filling up); the next call reports ENOSPC if so.
      write(this.fd, buf, this.writingOffset, this.writingEnd - this.writingOffset, null, this.onWritten);
      return;
    }
    this.writing = null;
    this.release(buf);
    this.continueAfterWrite();
  }

  /**
   * After a write lands, the next goes at once only when there is a full batch, someone
   * waits, or the interval is up: a partial batch keeps filling, so lines go out in few
   * large writes (each costs the event loop a call and a callback), not one per landing.
   */
  private continueAfterWrite(): void {
    if (
      this.queue.length > 0 ||
      this.used >= this.flushAtBytes ||
      this.due ||
      this.waiters.length > 0 ||
      this.closing !== null
    ) {
      this.kick();
    }
  }

  /**
   * The in-flight write runs on the libuv thread pool whatever this thread does, but its
   * callback cannot run while we block. Writing the later batches before it lands would
   * reorder lines, rewriting it would duplicate them; so we watch the file grow to where
   * that write ends (single-writer contract) and only then go on.
   */
  private settleInFlightSync(): void {
    const buf = this.writing!;
    const remaining = this.writingEnd - this.writingOffset;
    let landed = remaining;
    if (this.isRegularFile) {
      const target = this.committedBytes + remaining;
      const deadline = performance.now() + this.syncWaitMs;
      const nap = new Int32Array(new SharedArrayBuffer(4));
      let size = fstatSync(this.fd).size;
      while (size < target && performance.now() < deadline) {
        Atomics.wait(nap, 0, 0, 1);
        size = fstatSync(this.fd).size;
      }
      landed = Math.max(0, Math.min(remaining, size - this.committedBytes));
    }
    this.committedBytes += landed;
    this.writingSettled = true;
    if (landed < remaining) this.writeAllSync(buf, this.writingOffset + landed, this.writingEnd);
  }

  private writeAllSync(buf: Buffer, from: number, to: number): void {
    let offset = from;
    try {
      while (offset < to) {
        const n = writeSync(this.fd, buf, offset, to - offset);
        offset += n;
        this.committedBytes += n;
      }
    } catch (cause) {
      const error = writeError(this.path, 'write', cause);
      this.fail(error);
      throw error;
    }
  }

  private waitForInFlight(): Promise<void> {
    if (this.writing === null) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    // Resolve on success or failure alike: close() only needs the fd to be quiet.
    this.waiters.push({ resolve, reject: resolve });
    return promise;
  }

  private release(buf: Buffer): void {
    if (buf.length === this.bufferBytes && this.free.length < MAX_POOLED_BUFFERS) this.free.push(buf);
  }

  private fail(error: PeakdrillError): void {
    this.error ??= error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(this.error);
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }
}

function writeError(path: string, what: string, cause: unknown): PeakdrillError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new PeakdrillError(HISTORY_WRITE_ERROR_CODE, `history ${path}: ${what} failed: ${detail}`, {
    hint:
      code === 'ENOSPC'
        ? 'the disk is full: free space or point the run directory elsewhere; the history ends before this point'
        : 'check the run directory is writable; the history ends before this point',
    cause,
  });
}
