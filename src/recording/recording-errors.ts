// The errors a recording read ends in. Each names the file and the 1-based
// line, and its fix says what would actually help: --skip-invalid for a bad
// event line, never for the header, a damaged gzip or a path that is no file.
import { stat } from 'node:fs/promises';
import { PeakdrillError } from '../model/errors.ts';

const SKIP_HINT = 'fix or regenerate the recording, or pass --skip-invalid to count bad lines and go on';
const HEADER_HINT =
  'line 1 must be the header {"type":"header","schemaVersion":1,...}: fix it, or regenerate the recording with `peakdrill generate --out FILE` (--skip-invalid never skips the header)';

export function invalidLine(path: string, line: number, reason: string, hint = SKIP_HINT): PeakdrillError {
  return new PeakdrillError('PEAKDRILL_ERR_INVALID_RECORDING', `${path} line ${line}: ${reason}`, { hint });
}

export function invalidHeader(path: string, reason: string): PeakdrillError {
  return invalidLine(path, 1, reason, HEADER_HINT);
}

export function unsupportedVersion(path: string, version: number, supported: number): PeakdrillError {
  return invalidLine(
    path,
    1,
    `schemaVersion ${version} is not supported (this peakdrill reads version ${supported})`,
    `read it with the peakdrill version that wrote schemaVersion ${version}, or regenerate it with this one (\`peakdrill generate --out FILE\`); --skip-invalid cannot help, the whole file is in the other version`,
  );
}

/** An oversized line: the limit is named so the user knows what "too long" means. */
export function lineTooLong(
  path: string,
  line: number,
  reason: string,
  maxLineBytes: number,
): PeakdrillError {
  const limit = `${reason} (a recording line holds one event; the limit is ${formatBytes(maxLineBytes)})`;
  if (line === 1) return invalidHeader(path, `${limit}; line 1 must be the header`);
  return invalidLine(path, line, limit, `is it a recording at all? ${SKIP_HINT}`);
}

/** A read that broke mid-stream: a damaged gzip or an I/O error. */
export function streamError(path: string, line: number, error: unknown): PeakdrillError {
  if (error instanceof PeakdrillError) return error;
  const gzip = isGzipError(error);
  return new PeakdrillError(
    'PEAKDRILL_ERR_INVALID_RECORDING',
    `${path} line ${line}: ${streamErrorReason(error)}`,
    {
      hint: gzip
        ? 'the compressed file is damaged (cut short by a copy or a full disk?): copy or regenerate it, check it with `gzip -t`, or pass --skip-invalid to read the events before the damage'
        : 'check the file can be read (permissions, disk), then try again',
      cause: error,
    },
  );
}

export function streamErrorReason(error: unknown): string {
  return isGzipError(error)
    ? `gzip stream is truncated or corrupt (${messageOf(error)})`
    : `read failed (${messageOf(error)})`;
}

export function cannotRead(path: string, error: unknown): PeakdrillError {
  return new PeakdrillError(
    'PEAKDRILL_ERR_INVALID_RECORDING',
    `cannot read recording ${path}: ${messageOf(error)}`,
    { hint: 'check the path; `peakdrill generate --out FILE` writes one', cause: error },
  );
}

/**
 * Only a regular file is read: a directory fails late and obscurely, a
 * character device (/dev/zero) never ends and a FIFO blocks the open forever.
 */
export async function assertRecordingFile(path: string): Promise<void> {
  let kind: string | undefined;
  try {
    const s = await stat(path);
    if (s.isFile()) return;
    kind = s.isDirectory()
      ? 'a directory'
      : s.isCharacterDevice()
        ? 'a character device'
        : s.isFIFO()
          ? 'a FIFO (named pipe)'
          : s.isSocket()
            ? 'a socket'
            : 'not a regular file';
  } catch (error) {
    throw cannotRead(path, error);
  }
  throw new PeakdrillError(
    'PEAKDRILL_ERR_INVALID_RECORDING',
    `cannot read recording ${path}: it is ${kind}, not a file`,
    {
      hint: 'pass a recording file (plain or gzip NDJSON); to read a stream, save it to a file first (e.g. `peakdrill generate --out FILE`)',
    },
  );
}

function isGzipError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
