import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMainForTest } from './command-test-harness.ts';

const root = mkdtempSync(join(tmpdir(), 'peakdrill-faults-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const peakdrill = (argv: string[]) => runMainForTest(argv, root);

describe('peakdrill faults (issue 15 #10)', () => {
  it('list on a directory with no stack is exit 2 with a fix, not "no faults left applied"', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const result = await peakdrill(['faults', 'list', '--dir', 'empty']);
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('no faults left applied');
    expect(result.stderr).toContain(`no stack in ${empty}`);
    expect(result.stderr).toMatch(
      /fix: point --dir at a stack directory .* or start one with `peakdrill stack up`/,
    );
    // Looking must not leave a faults/ folder behind in somebody's directory.
    expect(readdirSync(empty)).toEqual([]);
  });

  it('list still reports what a crashed run left in a stack directory', async () => {
    const stack = join(root, 'crashed-stack');
    mkdirSync(join(stack, 'faults'), { recursive: true });
    const intent = {
      at: '2026-01-01T00:00:00.000Z',
      phase: 'intent',
      faultId: 'f1',
      runTag: 'r1',
      spec: { kind: 'latency', target: 'db-a', latencyMs: 200 },
    };
    writeFileSync(join(stack, 'faults', 'journal.ndjson'), `${JSON.stringify(intent)}\n`);
    const result = await peakdrill(['faults', 'list', '--dir', 'crashed-stack']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^f1 {2}latency on db-a/);
  });

  it('inject --for 0s is refused (a fault needs a positive duration), as is a hold setTimeout cannot keep', async () => {
    const inject = [
      'faults',
      'inject',
      'latency',
      '--target',
      'db-a',
      '--param',
      'latencyMs=100',
      '--dir',
      'empty',
    ];
    const zero = await peakdrill([...inject, '--for', '0s']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--for 0s: a fault needs a positive duration');
    expect(zero.stderr).toMatch(/\n {2}fix: /);
    const forever = await peakdrill([...inject, '--for', '1000000h']);
    expect(forever.code).toBe(2);
    expect(forever.stderr).toContain('a fault holds at most 24 days');
  });
});
