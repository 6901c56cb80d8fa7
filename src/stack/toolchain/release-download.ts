// Best-effort download of an official release artifact. For users with
// internet this is the fastest path; where only package registries are
// reachable it fails within seconds and the caller falls back to them.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const HEADERS_TIMEOUT_MS = 8_000;
const BODY_TIMEOUT_MS = 300_000;

/** Returns true when `url` was saved to `dest`; never throws. */
export async function tryDownload(url: string, dest: string, log: (line: string) => void): Promise<boolean> {
  if (process.env.PEAKDRILL_OFFLINE_RELEASES === '1') return false;
  const controller = new AbortController();
  const headersTimer = setTimeout(() => controller.abort(), HEADERS_TIMEOUT_MS);
  const bodyTimer = setTimeout(() => controller.abort(), BODY_TIMEOUT_MS);
  const partial = `${dest}.partial`;
  try {
    const response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    clearTimeout(headersTimer);
    if (!response.ok || !response.body) {
      log(`  release download ${url}: HTTP ${response.status}; falling back to the package registries`);
      return false;
    }
    await mkdir(dirname(dest), { recursive: true });
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      createWriteStream(partial),
    );
    await rename(partial, dest);
    return true;
  } catch (error) {
    const reason =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    log(`  release download ${url} failed (${reason}); falling back to the package registries`);
    await rm(partial, { force: true });
    return false;
  } finally {
    clearTimeout(headersTimer);
    clearTimeout(bodyTimer);
  }
}
