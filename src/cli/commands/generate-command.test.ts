import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PeakdrillError } from '../../model/errors.ts';
import { readRecording } from '../../recording/recording-reader.ts';
import { runCommandForTest, runMainForTest } from './command-test-harness.ts';
import { generateCommand } from './generate-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-generate-cli-'));
const runCli = (argv: string[]) => runCommandForTest(generateCommand, argv, dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('peakdrill generate', () => {
  it('writes a gzip recording to --out and says what it wrote', async () => {
    const out = join(dir, 'flash.ndjson.gz');
    const catalog = join(dir, 'catalog.json');
    const args = ['generate', '--profile', 'flash-sale', '--seed', '4', '--duration', '30s'];
    const result = await runCli([
      ...args,
      '--stores',
      '2',
      '--skus',
      '50',
      '--out',
      out,
      '--catalog',
      catalog,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /^generated [\d,]+ events: flash-sale, seed 4, 30 s, 2 stores, 50 SKUs → .*flash\.ndjson\.gz\n$/,
    );
    const { header, events } = await readRecording(out);
    expect(header).toMatchObject({ profile: 'flash-sale', seed: 4, stores: 2, skus: 50 });
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(catalog, 'utf8')).skus).toHaveLength(50);
  });

  it('writes to stdout when there is no --out, identical to the file bytes', async () => {
    const base = [
      'generate',
      '--profile',
      'steady-day',
      '--seed',
      '1',
      '--duration',
      '1m',
      '--stores',
      '1',
      '--skus',
      '40',
    ];
    const file = join(dir, 'steady.ndjson');
    await runCli([...base, '--out', file]);
    const piped = await runCli(base);
    expect(piped.stdout.equals(readFileSync(file))).toBe(true);
    const zipped = await runCli([...base, '--gzip']);
    expect(gunzipSync(zipped.stdout).equals(readFileSync(file))).toBe(true);
  });

  it('refuses a bad duration or seed with the field named', async () => {
    const base = ['generate', '--profile', 'steady-day'];
    await expect(runCli([...base, '--seed', '1', '--duration', 'soon'])).rejects.toThrow(
      /--duration: "soon" is not a duration/,
    );
    await expect(runCli([...base, '--seed', '1', '--duration', '1500ms'])).rejects.toThrow(
      /must be whole seconds/,
    );
    const error = await runCli([...base, '--seed', 'x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeakdrillError);
    expect((error as Error).message).toMatch(/seed: /);
  });

  describe('refuses what it cannot write or generate, with a fix line (issue 15 #6)', () => {
    const base = ['generate', '--profile', 'steady-day', '--seed', '1', '--duration', '2s'];
    async function refused(argv: string[]): Promise<string> {
      const { code, stderr } = await runMainForTest(argv, dir);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/\n {2}fix: /);
      expect(stderr).not.toMatch(/unexpected error|\n {4}at /);
      return stderr;
    }

    it('an --out in a missing folder, a directory, or /dev/full', async () => {
      expect(await refused([...base, '--out', 'missing/r.ndjson'])).toMatch(
        /the folder .*missing does not exist/,
      );
      expect(await refused([...base, '--out', dir])).toMatch(/is a directory, not a file/);
      expect(await refused([...base, '--out', '/dev/full'])).toMatch(
        /cannot write --out \/dev\/full: ENOSPC/,
      );
      expect(await refused([...base, '--out', 'r.ndjson', '--catalog', 'missing/c.json'])).toMatch(
        /--catalog .*the folder .*missing does not exist/,
      );
      // Checked before any event is generated or written.
      expect(existsSync(join(dir, 'r.ndjson'))).toBe(false);
    });

    it('--out resolves against the working directory it is given', async () => {
      const { code } = await runMainForTest([...base, '--out', 'here.ndjson'], dir);
      expect(code).toBe(0);
      expect(existsSync(join(dir, 'here.ndjson'))).toBe(true);
    });

    it('a negative duration names the option, not "Unknown arguments: 5, m"', async () => {
      const stderr = await refused([
        'generate',
        '--profile',
        'steady-day',
        '--seed',
        '1',
        '--duration',
        '-5m',
      ]);
      expect(stderr).toContain('--duration -5m: "-5m" is negative');
      expect(stderr).toContain('fix: give --duration a positive value, e.g. --duration 5m');
    });

    it('out-of-range generator options and a fractional duration', async () => {
      expect(await refused([...base, '--stores', '0'])).toMatch(/stores: Too small[\s\S]*fix: stay in range/);
      expect(await refused(['generate', '--profile', 'steady-day', '--seed', '-1'])).toMatch(/seed: /);
      expect(await refused([...base, '--skus', '5'])).toMatch(/skus: /);
      expect(await refused([...base, '--start-time', 'yesterday'])).toMatch(/startTime: /);
      expect(
        await refused(['generate', '--profile', 'steady-day', '--seed', '1', '--duration', '1500ms']),
      ).toMatch(/must be whole seconds/);
    });
  });
});
