import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ancestry } from './parent-watch.ts';

const WATCHER = `
import { writeFileSync } from 'node:fs';
import { watchParent } from ${JSON.stringify(join(import.meta.dirname, 'parent-watch.ts'))};
watchParent((pid) => { writeFileSync(process.argv[2], String(pid)); process.exit(0); }, process.env, 50);
setTimeout(() => process.exit(3), 10_000);
`;

function outerWrapper(outlive: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'pd-parent-'));
  const script = join(dir, 'watcher.ts');
  const mark = join(dir, 'gone');
  writeFileSync(script, WATCHER);
  // sh → sh → node: the watcher is two wrappers below the pid that is signalled.
  const inner = `${outlive ? 'PEAKDRILL_OUTLIVE_PARENT=1 ' : ''}${process.execPath} ${script} ${mark}`;
  const outer = spawn('sh', ['-c', `sh -c '${inner}; true' & wait`], { stdio: 'ignore' });
  return { outer, mark };
}

describe('watching the wrappers above peakdrill', () => {
  it('lists this process’s ancestors, nearest first, without init', () => {
    const chain = ancestry(process.pid, 3);
    expect(chain[0]?.pid).toBe(process.pid);
    expect(chain.every((a) => a.pid > 1)).toBe(true);
  });

  it('fires when the outer wrapper alone is killed, naming it', async () => {
    const { outer, mark } = outerWrapper(false);
    await new Promise((r) => setTimeout(r, 700));
    outer.kill('SIGKILL');
    await expect.poll(() => readFileSafe(mark), { timeout: 5_000, interval: 50 }).toBe(String(outer.pid));
  });

  it('stays quiet when the run was asked to outlive its parents', async () => {
    const { outer, mark } = outerWrapper(true);
    await new Promise((r) => setTimeout(r, 700));
    outer.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 800));
    expect(readFileSafe(mark)).toBe('');
  });
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
