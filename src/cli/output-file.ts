// Files a command writes at a path the user chose (--out, --catalog): checked
// before the work starts, and a failed write becomes an error naming the path
// and the cause with a fix, not a raw ENOENT/EISDIR/ENOSPC.
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PeakdrillError } from '../model/errors.ts';

/** Throws unless `path` can be created or replaced as a file. */
export function checkOutputFile(path: string, flag: string): void {
  const own = statOrUndefined(path);
  if (own?.isDirectory()) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${flag} ${path} is a directory, not a file`, {
      hint: `name a file in it, e.g. ${flag} ${path.replace(/\/+$/, '')}/recording.ndjson.gz`,
    });
  }
  const folder = dirname(path);
  const parent = statOrUndefined(folder);
  if (parent === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${flag} ${path}: the folder ${folder} does not exist`, {
      hint: `create it first (mkdir -p ${folder}) or choose a path in an existing folder`,
    });
  }
  if (!parent.isDirectory()) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${flag} ${path}: ${folder} is not a folder`, {
      hint: 'choose a path in an existing folder',
    });
  }
}

/** Throws unless `path` is a directory or can be created as one (its parent folder need not exist). */
export function checkOutputDirectory(path: string, flag: string): void {
  let probe = path;
  // The nearest existing ancestor must be a directory, else mkdir -p fails with ENOTDIR/EEXIST.
  for (let s = statOrUndefined(probe); ; s = statOrUndefined(probe)) {
    if (s !== undefined) {
      if (s.isDirectory()) return;
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        probe === path
          ? `${flag} ${path} is a file, not a directory`
          : `${flag} ${path}: ${probe} is a file, not a folder`,
        { hint: `point ${flag} at a directory (it is created when missing)` },
      );
    }
    const up = dirname(probe);
    if (up === probe) return;
    probe = up;
  }
}

/** A write that failed part-way: the partial file is removed (a half recording is worse than none). */
export async function outputWriteError(path: string, flag: string, error: unknown): Promise<PeakdrillError> {
  if (statOrUndefined(path)?.isFile()) await rm(path, { force: true }).catch(() => {});
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `free some space on that disk, or point ${flag} at another disk`
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'write somewhere you may write, or fix the permissions'
        : `check ${flag} names a file you can write`;
  return new PeakdrillError(
    'PEAKDRILL_ERR_OUTPUT_WRITE',
    `cannot write ${flag} ${path}: ${(error as Error).message}`,
    {
      hint,
      cause: error,
    },
  );
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
