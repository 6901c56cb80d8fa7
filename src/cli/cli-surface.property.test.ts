// The CLI surface under malformed input: every command × bad flags, paths and
// files must exit 2 with a `fix:` line, and never print a stack frame or
// "unexpected error" (issue 15). The CLI runs in-process (runMainForTest).
// Nothing may start: runScenario and LocalStack.start are tripwires, and the
// default stack directory points into this test's temp folder, so a case that
// would reach a real run or stack fails here instead. `setup` (installs tools)
// and `doctor` (spawns them) only get unknown options, refused while parsing.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SAMPLE_HEADER } from '../recording/recording-arbitraries.ts';
import { DEFECT_NAMES } from '../reference-store/defects.ts';
import { writeFixtureRun } from '../report/testing/fixture-run.ts';
import { runIdProblem } from '../run/run-id.ts';
import { runMainForTest } from './commands/command-test-harness.ts';

const tripwire = vi.hoisted(() => ({ hits: [] as string[] }));
vi.mock('../run/run-scenario.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../run/run-scenario.ts')>()),
  runScenario: async () => {
    tripwire.hits.push('runScenario');
    throw new Error('tripwire: runScenario reached (validation let a bad run start)');
  },
}));
vi.mock('../stack/local-stack.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../stack/local-stack.ts')>();
  class LocalStack extends real.LocalStack {
    override async start(): Promise<never> {
      tripwire.hits.push('LocalStack.start');
      throw new Error('tripwire: LocalStack.start reached (a stack would start)');
    }
  }
  return { ...real, LocalStack };
});

const root = mkdtempSync(join(tmpdir(), 'peakdrill-cli-surface-'));
const env = { PEAKDRILL_STACK_DIR: join(root, 'default-stack-dir') };
const at = (name: string) => join(root, name);

// ---- fixtures: every kind of wrong file a user can point a command at ------
beforeAll(async () => {
  mkdirSync(at('empty-dir'));
  writeFileSync(at('file.txt'), 'hello\n');
  writeFileSync(at('binary.bin'), Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80, 0x81]));
  execFileSync('mkfifo', [at('fifo')]);
  const header = JSON.stringify(SAMPLE_HEADER);
  const order = (id: string) =>
    JSON.stringify({
      t: 10,
      kind: 'order',
      id,
      channel: 'web',
      store: 'S000',
      lines: [{ sku: 'SKU-000001', qty: 1, unitPriceCents: 500 }],
      tenders: [{ type: 'card', amountCents: 500 }],
      idempotencyKey: `k-${id}`,
    });
  writeFileSync(at('v2.ndjson'), `${JSON.stringify({ ...SAMPLE_HEADER, schemaVersion: 2 })}\n`);
  writeFileSync(at('dup-ids.ndjson'), `${header}\n${order('a')}\n${order('a')}\n`);
  writeFileSync(at('bad-line.ndjson'), `${header}\n${order('a')}\nnot json\n`);
  const zipped = gzipSync(
    `${header}\n${Array.from({ length: 3000 }, (_, i) => order(`o${i}`)).join('\n')}\n`,
  );
  writeFileSync(at('corrupt.ndjson.gz'), zipped.subarray(0, Math.floor(zipped.length / 2)));
  const sparse = openSync(at('sparse.ndjson'), 'w');
  writeSync(sparse, Buffer.from([0x20]), 0, 1, 256 * 1024 * 1024 - 1);
  closeSync(sparse);
  writeFileSync(at('bad-scenario.ts'), `export default { name: 'Bad Name', traffic: {} };\n`);
  writeFileSync(at('throws-scenario.ts'), `throw new Error('boom at import');\n`);
  writeFileSync(at('no-default.ts'), 'export const x = 1;\n');
  writeFileSync(
    at('missing-recording.ts'),
    `export default { name: 'replay', description: 'x', traffic: { recording: 'nx.ndjson' }, assertions: { oversold_units: '==0' } };\n`,
  );
  // Damaged run directories for `check` (each judged to an error verdict, again and again).
  const damaged: [string, (dir: string) => void][] = [
    ['run-truncated-state', (d) => writeFileSync(join(d, 'state.json'), '{"schemaVersion":1,"regi')],
    ['run-no-history', (d) => rmSync(join(d, 'history.ndjson'))],
    ['run-garbage-run-json', (d) => writeFileSync(join(d, 'run.json'), '\u0000garbage')],
    ['run-garbage-scenario', (d) => writeFileSync(join(d, 'scenario.json'), '[1,2')],
    ['run-history-garbage', (d) => writeFileSync(join(d, 'history.ndjson'), 'not a history\n')],
  ];
  for (const [name, damage] of damaged) {
    await writeFixtureRun(at(name), { durationS: 5, rate: 5, clean: true });
    damage(at(name));
  }
  // For `report`: directories whose verdict.json is missing or broken (never given to check).
  mkdirSync(at('report-garbage-verdict'));
  writeFileSync(at('report-garbage-verdict/verdict.json'), '{{{');
  mkdirSync(at('report-wrong-verdict'));
  writeFileSync(at('report-wrong-verdict/verdict.json'), '{"status":"pass"}');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// ---- building blocks ----------------------------------------------------------
const KNOWN_OPTIONS = new Set(
  `help h version json speed seed stack stack-dir engine out shard run-id defect history open only target param
  for dir replication store toxiproxy-port profile duration stores skus start-time gzip catalog skip-invalid
  parallelism base-url vendure`.split(/\s+/),
);
/** An option no command declares (not a `--no-x` negation, which yargs accepts for booleans). */
const unknownOption = fc
  .stringMatching(/^[a-z][a-z-]{1,14}$/)
  .filter((name) => !KNOWN_OPTIONS.has(name) && !name.startsWith('no-') && !name.endsWith('-'))
  .map((name) => [`--${name}`]);
/** A relative path that does not exist (the prefix keeps it from naming a fixture). */
const missingPath = fc
  .stringMatching(/^[a-z0-9][a-z0-9._-]{0,16}$/)
  .chain((s) => fc.constantFrom(`nx-${s}`, `nx-dir/${s}`, at(`nx-${s}`)));
const notADirectory = fc.constantFrom(at('file.txt'), '/dev/zero', '/dev/null', at('fifo'));
const specialFile = fc.constantFrom('/dev/zero', '/dev/null', at('fifo'), at('empty-dir'));
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const notAChoice = (choices: readonly string[]) => word.filter((w) => !choices.includes(w));
const isDuration = (s: string) => /^\s*(\d+(\.\d+)?(ms|s|m|h))+\s*$/.test(s);
const notADuration = fc.oneof(
  fc.constantFrom('-5m', 'soon', '5', 'm', '1h2', '', ' ', '8d', '-1', '--', '5 m', '1e3s'),
  fc.string({ maxLength: 8 }).filter((s) => !isDuration(s)),
);
const badRunId = fc.oneof(
  fc.constantFrom('../../x', '..', '.', 'a/b', '/abs/x', '', '.hidden', 'x'.repeat(129), 'a\\b'),
  fc.string({ maxLength: 20 }).filter((s) => runIdProblem(s) !== undefined),
);
const badSpeed = fc.constantFrom('0', '-1', '-0.5', 'NaN', 'Infinity', '-Infinity', '1e400', 'abc', '');
const badSeed = fc.constantFrom('1.5', '-1', '4294967296', 'NaN', 'Infinity', '1e400', 'abc', '');
const badShard = fc.constantFrom('0/2', '3/2', 'a/b', '1/0', '', '1-2', '-1/2', '1/', '/2');
const pair = (flag: string, value: fc.Arbitrary<string>) => value.map((v) => [flag, v]);

// ---- one arbitrary of malformed invocations per command ----------------------
const runBad = fc.oneof(
  pair('--speed', badSpeed),
  pair('--seed', badSeed),
  pair('--run-id', badRunId),
  pair('--stack', notAChoice(['local', 'existing'])),
  pair('--engine', notAChoice(['node', 'k6'])),
  pair('--defect', notAChoice(DEFECT_NAMES)),
  pair('--shard', badShard),
  fc.constant(['--shard', '1/2']),
  pair('--out', notADirectory),
  fc
    .oneof(missingPath, notADirectory, fc.constant(at('empty-dir')))
    .map((d) => ['--stack', 'existing', '--stack-dir', d]),
  fc.constant(['--stack', 'existing']),
  unknownOption,
);
const runFine = fc.constantFrom(
  ['--speed', '2'],
  ['--seed', '7'],
  ['--json'],
  ['--engine', 'k6'],
  ['--out', 'nx-out'],
);
const badScenario = fc.oneof(
  missingPath,
  specialFile,
  fc.constantFrom(
    ...[
      'file.txt',
      'binary.bin',
      'bad-scenario.ts',
      'throws-scenario.ts',
      'no-default.ts',
      'missing-recording.ts',
    ].map(at),
  ),
);
const runCases = fc.oneof(
  fc.tuple(badScenario, fc.array(runFine, { maxLength: 2 })).map(([s, fine]) => ['run', s, ...fine.flat()]),
  fc
    .tuple(fc.array(runBad, { minLength: 1, maxLength: 2 }), fc.array(runFine, { maxLength: 2 }))
    .map(([bad, fine]) => ['run', 'flash-sale', ...[...bad, ...fine].flat()]),
  fc.constant(['run']),
);

const checkDirs = fc.oneof(
  missingPath,
  specialFile,
  fc.constantFrom(at('file.txt'), '/'),
  fc.constantFrom(
    ...[
      'run-truncated-state',
      'run-no-history',
      'run-garbage-run-json',
      'run-garbage-scenario',
      'run-history-garbage',
    ],
  ),
);
const checkCases = fc.oneof(
  fc
    .tuple(checkDirs, fc.option(fc.constantFrom(['--json']), { nil: undefined }))
    .map(([d, json]) => ['check', d, ...(json ?? [])]),
  fc
    .tuple(fc.oneof(missingPath, specialFile, fc.constant(at('file.txt'))))
    .map(([h]) => ['check', 'run-no-history', '--history', h]),
  unknownOption.map((o) => ['check', 'run-truncated-state', ...o]),
  fc.constant(['check']),
);

const reportCases = fc.oneof(
  fc
    .oneof(
      missingPath,
      specialFile,
      fc.constantFrom(at('file.txt'), at('report-garbage-verdict'), at('report-wrong-verdict')),
    )
    .chain((d) => fc.constantFrom(['report', d], ['report', d, '--open'])),
  unknownOption.map((o) => ['report', at('report-garbage-verdict'), ...o]),
  fc.constant(['report']),
);

const headerBroken = ['file.txt', 'binary.bin', 'v2.ndjson', 'sparse.ndjson'].map(at);
const linesBroken = ['dup-ids.ndjson', 'bad-line.ndjson', 'corrupt.ndjson.gz'].map(at);
const inspectCases = fc.oneof(
  fc
    .oneof(missingPath, specialFile, fc.constantFrom(...headerBroken))
    .chain((f) => fc.subarray(['--json', '--skip-invalid']).map((flags) => ['inspect', f, ...flags])),
  fc
    .constantFrom(...linesBroken)
    .chain((f) => fc.subarray(['--json']).map((flags) => ['inspect', f, ...flags])),
  unknownOption.map((o) => ['inspect', at('v2.ndjson'), ...o]),
  fc.constant(['inspect']),
);

const generateBad = fc.oneof(
  pair('--duration', notADuration),
  fc.constantFrom(['--duration', '0s'], ['--duration', '1500ms'], ['--duration', '200h']),
  pair('--seed', badSeed),
  pair('--stores', fc.constantFrom('0', '-3', '1000', '1.5', 'abc')),
  pair('--skus', fc.constantFrom('11', '1000000', '2.5', 'x')),
  pair('--start-time', fc.constantFrom('yesterday', '2026-13-01T00:00:00Z', '12:00', '')),
  pair(
    '--profile',
    notAChoice(['steady-day', 'flash-sale', 'holiday-peak', 'returns-wave', 'rfid-cycle-count']),
  ),
  pair(
    '--out',
    fc.oneof(
      fc.constant(at('empty-dir')),
      fc.constant('/dev/full'),
      missingPath.map((p) => `nx-dir/${p}`),
    ),
  ),
  pair('--catalog', fc.constantFrom(at('empty-dir'), '/dev/full', 'nx-dir/c.json')),
  unknownOption,
);
const generateCases = fc.oneof(
  generateBad.map((bad) => {
    // The mutation replaces the baseline's value of that option (a repeat is its own case).
    const base: Record<string, string> = { '--profile': 'steady-day', '--seed': '1', '--duration': '2s' };
    const flag = bad[0]!;
    if (flag in base && bad.length === 2) base[flag] = bad[1]!;
    const rest = flag in base ? [] : bad;
    return ['generate', ...Object.entries(base).flat(), ...rest];
  }),
  fc.constant(['generate', '--profile', 'steady-day', '--seed', '1', '--duration', '2s', '--duration', '3s']),
  fc.constantFrom(['generate'], ['generate', '--seed', '1'], ['generate', '--profile', 'steady-day']),
);

const k6Cases = fc.oneof(
  fc
    .tuple(fc.oneof(fc.constant('flash-sale'), badScenario), notADirectory)
    .map(([s, out]) => ['k6', 'export', s, '--out', out]),
  fc.tuple(badScenario).map(([s]) => ['k6', 'export', s, '--out', 'nx-k6']),
  fc
    .oneof(
      pair('--speed', badSpeed),
      pair('--seed', badSeed),
      pair('--parallelism', fc.constantFrom('0', '-1', '1.5', 'abc', 'Infinity')),
      pair('--base-url', fc.constantFrom('not a url', '', '::')),
      unknownOption,
    )
    .map((bad) => ['k6', 'export', 'flash-sale', '--out', 'nx-k6', ...bad]),
  pair('k6', notAChoice(['export'])).map(([k6, action]) => [k6!, action!, 'flash-sale', '--out', 'nx-k6']),
  fc.constantFrom(['k6'], ['k6', 'export'], ['k6', 'export', 'flash-sale']),
);

const noStack = fc.oneof(missingPath, fc.constantFrom(at('empty-dir'), at('file.txt'), '/dev/null'));
const faultsCases = fc.oneof(
  fc.tuple(fc.constantFrom('list', 'clear'), noStack).map(([a, d]) => ['faults', a, '--dir', d]),
  fc.constantFrom('list', 'clear').map((a) => ['faults', a]),
  fc
    .tuple(fc.constantFrom('list', 'clear'), word)
    .map(([a, kind]) => ['faults', a, kind, '--dir', at('empty-dir')]),
  fc
    .tuple(
      fc.constantFrom('latency', 'partition', 'process-kill', 'region-loss'),
      fc.oneof(fc.constantFrom('0s', '0ms', '1000000h'), notADuration),
      noStack,
    )
    .map(([kind, hold, dir]) => ['faults', 'inject', kind, '--target', 'db-a', '--for', hold, '--dir', dir]),
  fc
    .tuple(fc.oneof(word, fc.constant('latency')), fc.constantFrom('noequals', '=x', 'latencyMs=', 'a=b'))
    .map(([kind, param]) => [
      'faults',
      'inject',
      kind,
      '--target',
      'db-a',
      '--param',
      param,
      '--dir',
      at('empty-dir'),
    ]),
  fc.constant(['faults', 'inject', 'latency', '--target', 'db-a', '--param', 'latencyMs=100']),
  pair('faults', notAChoice(['inject', 'clear', 'list'])),
  fc.constant(['faults']),
);

const stackCases = fc.oneof(
  noStack.map((d) => ['stack', 'status', '--dir', d]),
  fc.constant(['stack', 'status']),
  fc.constantFrom(at('empty-dir'), at('file.txt'), '/dev/null').map((d) => ['stack', 'down', '--dir', d]),
  fc
    .oneof(
      pair('--replication', notAChoice(['sync', 'async'])),
      pair('--defect', notAChoice(DEFECT_NAMES)),
      pair('--toxiproxy-port', fc.constantFrom('0', '65536', '-1', '1.5', 'abc')),
      unknownOption,
    )
    .map((bad) => ['stack', 'up', '--dir', at('nx-stack'), ...bad]),
  pair('stack', notAChoice(['up', 'status', 'down'])),
  fc.constant(['stack']),
);

const otherCases = fc.oneof(
  unknownOption.map((o) => ['setup', ...o]),
  unknownOption.map((o) => ['doctor', ...o]),
  fc.oneof(
    fc.constant(['selftest', '--only', 'nothing-like-this']),
    pair('--out', notADirectory).map((o) => ['selftest', ...o]),
    unknownOption.map((o) => ['selftest', ...o]),
  ),
  word
    .filter(
      (w) =>
        ![
          'setup',
          'doctor',
          'stack',
          'run',
          'check',
          'report',
          'selftest',
          'faults',
          'generate',
          'inspect',
          'k6',
        ].includes(w),
    )
    .map((w) => [w]),
  fc.constant([] as string[]),
  unknownOption,
);

// ---- the property ---------------------------------------------------------------
async function expectHarnessError(argv: readonly string[]): Promise<void> {
  tripwire.hits.length = 0;
  const r = await runMainForTest([...argv], root, env);
  const label = `peakdrill ${argv.map((a) => JSON.stringify(a)).join(' ')}\nstderr: ${r.stderr}\nstdout: ${r.stdout.slice(0, 500)}`;
  expect(tripwire.hits, label).toEqual([]);
  expect(r.code, label).toBe(2);
  expect(r.stderr, label).toMatch(/^ {2}fix: \S/m);
  for (const out of [r.stderr, r.stdout]) {
    expect(out, label).not.toMatch(/^\s+at .+[:(]/m);
    expect(out, label).not.toContain('unexpected error');
  }
}

const RUNS = { numRuns: Number(process.env.CLI_FUZZ_RUNS ?? 150) };
describe('the CLI surface under malformed input (exit 2, a fix line, no stack trace)', () => {
  const surfaces: [string, fc.Arbitrary<readonly string[]>][] = [
    ['run', runCases],
    ['check', checkCases],
    ['report', reportCases],
    ['inspect', inspectCases],
    ['generate', generateCases],
    ['k6 export', k6Cases],
    ['faults', faultsCases],
    ['stack', stackCases],
    ['setup, doctor, selftest and unknown commands', otherCases],
  ];
  for (const [name, cases] of surfaces) {
    it(name, async () => {
      await fc.assert(fc.asyncProperty(cases, expectHarnessError), RUNS);
    });
  }
});
