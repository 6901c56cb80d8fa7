import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRecording } from '../../../recorders/synthetic-generator.ts';
import { writeRecording } from '../../recording/recording-writer.ts';
import { runCommandForTest, runMainForTest } from './command-test-harness.ts';
import { inspectCommand } from './inspect-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-inspect-cli-'));
const recording = join(dir, 'rw.ndjson.gz');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runCli = (argv: string[]) => runCommandForTest(inspectCommand, argv, dir);
beforeAll(async () => {
  const { header, events } = generateRecording({
    profile: 'returns-wave',
    seed: 2,
    durationS: 120,
    stores: 2,
    skus: 60,
  });
  await writeRecording(recording, header, events);
});

describe('peakdrill inspect', () => {
  it('prints a readable summary', async () => {
    const { code, stdout } = await runCli(['inspect', recording]);
    expect(code).toBe(0);
    const text = stdout.toString();
    expect(text).toMatch(/^recording {2}.*rw\.ndjson\.gz \(generator:returns-wave, schema 1, seed 2\)/);
    expect(text).toMatch(/\nkinds {6}order [\d,]+/);
    expect(text).toMatch(/\nrefunds {4}/);
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await runCli(['inspect', recording, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout.toString());
    expect(result.header.profile).toBe('returns-wave');
    expect(result.kinds.order).toBeGreaterThan(0);
    expect(result.eventsPerSecond.length).toBeLessThanOrEqual(600);
  });

  it('exits 1 when --skip-invalid skipped lines, and throws without it', async () => {
    const bad = join(dir, 'bad.ndjson');
    const header = generateRecording({ profile: 'steady-day', seed: 1 }).header;
    writeFileSync(bad, `${JSON.stringify(header)}\nnot json\n`);
    const { code, stdout } = await runCli(['inspect', bad, '--skip-invalid']);
    expect(code).toBe(1);
    expect(stdout.toString()).toMatch(/invalid {4}1 lines skipped\n {11}line 2: not valid JSON/);
    await expect(runCli(['inspect', bad])).rejects.toThrow(/bad\.ndjson line 2: not valid JSON/);
  });

  it('exits 2 at once on /dev/zero and on a directory, with a fix line (it used to hang)', async () => {
    for (const path of ['/dev/zero', dir]) {
      const { code, stderr } = await runMainForTest(['inspect', path], dir);
      expect(code).toBe(2);
      expect(stderr).toMatch(/not a file\n {2}fix: pass a recording file/);
    }
  });
});
