// A throw-away copy of the repository at one commit (the sample's HEAD, fixed
// when it starts, so a commit made mid-sample changes nothing) with at most
// one file replaced (none for a control run): what a
// mutant runs from, so the store process started from the copy's
// src/reference-store/store-main.ts executes the mutated code and nothing in
// the real work tree changes. `git archive` (not hard links) because a copy
// holds only HEAD, never an uncommitted edit, and no write can reach the
// original files through a shared inode. node_modules is a symlink.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScratchCopy extends Disposable {
  readonly dir: string;
}

export function makeScratchCopy(
  repoRoot: string,
  commit: string,
  edit: { readonly file: string; readonly text: string } | undefined,
): ScratchCopy {
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-mutant-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const copied = spawnSync(
      'bash',
      ['-c', 'set -o pipefail; git -C "$1" archive "$3" | tar -x -C "$2"', 'archive', repoRoot, dir, commit],
      { encoding: 'utf8' },
    );
    if (copied.status !== 0) throw new Error(`git archive ${commit} failed: ${copied.stderr.trim()}`);
    symlinkSync(realpathSync(join(repoRoot, 'node_modules')), join(dir, 'node_modules'), 'dir');
    if (edit !== undefined) {
      const target = join(dir, edit.file);
      unlinkSync(target);
      writeFileSync(target, edit.text);
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { dir, [Symbol.dispose]: remove };
}
