// `peakdrill k6 export`: the exported test runs with plain `k6 run` against a
// local null server, whole or as two execution segments, and every op of the
// plan is either sent or left out (a return whose order this VU never saw).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NullServer, startNullServer } from '../simulators/testing/null-http-server.ts';
import { runCommandForTest } from '../src/cli/commands/command-test-harness.ts';
import { k6Command } from '../src/cli/commands/k6-command.ts';
import { locateK6 } from '../src/engines/k6/k6-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-k6-export-'));
const out = join(dir, 'export');
let server: NullServer;

// 20 s of a flash sale at speed 10: a 2 s replay.
const SCENARIO = `export default {
  name: 'tiny-flash',
  description: 'a short flash sale for the export test',
  traffic: { profile: 'flash-sale', duration: '20s', stores: 2, skus: 40 },
  speed: 10,
  fleets: { web: { shoppers: 20 }, webhooks: { duplicateRate: 0.2, reorderRate: 0 } },
  assertions: { oversold_units: '==0', checkout_latency: 'p(99)<5000' },
};
`;

beforeAll(async () => {
  server = await startNullServer();
  writeFileSync(join(dir, 'tiny-flash.ts'), SCENARIO);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function k6Run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(locateK6(), ['run', '--quiet', '--no-color', '--no-usage-report', ...args], {
      cwd: out,
      env: { ...process.env, K6_NO_USAGE_REPORT: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr = (stderr + c).slice(-5_000);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { e: string; i: number; a?: number; n?: number });

describe('peakdrill k6 export', () => {
  let ops = 0;

  it('writes a self-contained k6 test and k6-operator manifests', async () => {
    const result = await runCommandForTest(
      k6Command,
      [
        'k6',
        'export',
        join(dir, 'tiny-flash.ts'),
        '--out',
        out,
        '--parallelism',
        '3',
        '--base-url',
        server.url,
      ],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^wrote a k6 test of tiny-flash: [\d,]+ HTTP requests/);
    expect(result.stderr).toMatch(/not a k6 threshold: oversold_units/);
    ops = (JSON.parse(readFileSync(join(out, 'ops.json'), 'utf8')) as { ops: unknown[] }).ops.length;
    expect(ops).toBeGreaterThan(20);
    const script = readFileSync(join(out, 'script.ts'), 'utf8');
    expect(script).toContain(`"baseUrls": [\n    "${server.url}"\n  ]`);
    expect(script).toContain('"http_req_duration{name:checkout}": [\n        "p(99)<5000"');
    const testRun = readFileSync(join(out, 'testrun.yaml'), 'utf8');
    expect(testRun).toContain('apiVersion: k6.io/v1alpha1\nkind: TestRun');
    expect(testRun).toContain('  parallelism: 3\n');
    expect(testRun).toContain('    configMap:\n      name: "peakdrill-tiny-flash"\n      file: script.ts\n');
    const configMap = readFileSync(join(out, 'configmap.yaml'), 'utf8');
    expect(configMap).toMatch(/^kind: ConfigMap$/m);
    // Both files as block literals: every line of them indented under their key.
    const data = configMap.slice(configMap.indexOf('\ndata:\n') + 7).split('\n');
    expect(data[0]).toBe('  script.ts: |');
    expect(data.filter((l) => /^ {2}\S/.test(l))).toEqual(['  script.ts: |', '  ops.json: |']);
    expect(data.every((l) => l === '' || l.startsWith('  '))).toBe(true);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('k6 run --log-format raw');
    expect(JSON.parse(readFileSync(join(out, 'seed.json'), 'utf8')).skus.length).toBeGreaterThanOrEqual(40);
  });

  it('runs with plain `k6 run`: every op sent once or left out, k6 thresholds held', async () => {
    const { code, stderr } = await k6Run([
      '--log-format',
      'raw',
      '--console-output',
      'outcomes.ndjson',
      'script.ts',
    ]);
    expect(code, stderr).toBe(0);
    const seen = lines(join(out, 'outcomes.ndjson'));
    expect(seen[0]).toMatchObject({ e: 'start', n: ops });
    const sent = seen.filter((l) => l.e === 'i' && l.a === 1).map((l) => l.i);
    const skipped = seen.filter((l) => l.e === 'x').map((l) => l.i);
    expect(new Set(sent).size).toBe(sent.length);
    expect([...sent, ...skipped].sort((a, b) => a - b)).toEqual(Array.from({ length: ops }, (_, i) => i));
    expect(seen.filter((l) => l.e === 'c')).toHaveLength(seen.filter((l) => l.e === 'i').length);
  });

  it('runs as two execution segments that split the ops between them', async () => {
    const segment = (seg: string, file: string) =>
      k6Run([
        '--log-format',
        'raw',
        '--console-output',
        file,
        '--execution-segment',
        seg,
        '--execution-segment-sequence',
        '0,1/2,1',
        'script.ts',
      ]);
    const runs = await Promise.all([segment('0:1/2', 'a.ndjson'), segment('1/2:1', 'b.ndjson')]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const ran = (file: string) =>
      lines(join(out, file))
        .filter((l) => (l.e === 'i' && l.a === 1) || l.e === 'x')
        .map((l) => l.i);
    const a = ran('a.ndjson');
    const b = ran('b.ndjson');
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a.every((i) => i % 2 === 0) && b.every((i) => i % 2 === 1)).toBe(true);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: ops }, (_, i) => i));
  });
});
