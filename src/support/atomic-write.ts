// Writes a file whole or not at all: the text goes to a temporary name beside it
// and is renamed over it. Readers (a reaper after kill -9, `peakdrill check`, a CI
// job reading junit.xml) never see a torn file, whenever the writer dies.
import { rename, writeFile } from 'node:fs/promises';

export async function writeFileAtomically(path: string, text: string, mode = 0o644): Promise<void> {
  // Not `.json`: directory scans that take *.json never pick up a half-written one.
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, path);
}
