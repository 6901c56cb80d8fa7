import { describe, expect, it } from 'vitest';
import { ScenarioValidationError, validateScenario } from './scenario-schema.ts';

const minimal = {
  name: 'region-failover',
  description: 'region a lost mid-sale',
  traffic: { profile: 'flash-sale', duration: '10m' },
};

function problemsOf(input: unknown): { field: string; message: string }[] {
  try {
    validateScenario(input, 'scenarios/broken.ts');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioValidationError);
    return [...(error as ScenarioValidationError).problems];
  }
  throw new Error('expected the scenario to be rejected');
}

describe('validateScenario', () => {
  it('fills defaults and turns durations into milliseconds', () => {
    const s = validateScenario({
      ...minimal,
      speed: 10,
      faults: [{ name: 'lose-a', fault: { kind: 'region-loss', target: 'a' }, at: '2m', for: '3m' }],
      assertions: { rto: '<60s', oversold_units: '==0', 'checkout_latency{during:fault}': 'p(99)<800' },
    });
    expect(s.traffic).toMatchObject({ profile: 'flash-sale', duration: 600_000, stores: 20 });
    expect(s.faults[0]).toMatchObject({ at: 120_000, for: 180_000, delay: 0 });
    expect(s.probes).toEqual({
      checkout: { every: 100, sku: 'PROBE-0001' },
      propagation: { every: 500 },
      recoveredAfter: 5,
    });
    expect(s.store).toEqual({ replication: 'sync', topology: 'regions', failover: 'auto', detection: 3_000 });
  });

  it('converts a latency fault written with duration strings', () => {
    const s = validateScenario({
      ...minimal,
      faults: [
        {
          name: 'db-slow',
          fault: { kind: 'latency', target: 'db-a', latency: '200ms', jitter: '20ms' },
          at: '30s',
          for: '1m',
        },
      ],
    });
    expect(s.faults[0]!.fault).toEqual({
      kind: 'latency',
      target: 'db-a',
      latency: 200,
      jitter: 20,
      direction: 'downstream',
      toxicity: 1,
    });
  });

  it('reports every broken field at once, each named by its path', () => {
    const problems = problemsOf({
      name: 'Flash Sale!',
      description: '',
      traffic: { profile: 'black-friday', duration: '10 minutes' },
      speed: -2,
      faults: [
        { name: 'a', fault: { kind: 'latency', target: 'db-a', latency: 'fast' }, at: '1m', after: 'a' },
        { name: 'b', fault: { kind: 'partition', target: 'edge-a', extra: 1 }, at: '1m', for: '10s' },
        { name: 'c', fault: { kind: 'region-loss', target: 'c' }, after: 'nope', for: '10s' },
      ],
      assertions: { rto: 'under a minute' },
      abort: { errorRate: 2, for: '30s' },
    });
    const fields = problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'name',
        'description',
        'speed',
        'faults[0].fault.latency',
        'faults[0].at',
        'faults[0].for',
        'faults[1].fault',
        'faults[2].fault.target',
        'assertions.rto',
        'abort.errorRate',
      ]),
    );
    expect(problems.find((p) => p.field === 'faults[0].fault.latency')!.message).toMatch(
      /"fast" is not a duration/,
    );
    expect(problems.find((p) => p.field === 'faults[1].fault')!.message).toMatch(/extra/);
    expect(problems.length).toBeGreaterThanOrEqual(10);
  });

  it('names a fault scheduled after one that does not exist', () => {
    const problems = problemsOf({
      ...minimal,
      faults: [
        { name: 'failback', fault: { kind: 'partition', target: 'db-b' }, after: 'lose-a', for: '10s' },
      ],
    });
    expect(problems).toContainEqual({
      field: 'faults[0].after',
      message: 'no fault named "lose-a" in this scenario',
    });
  });

  it('the error message lists each problem on its own line with the source', () => {
    expect(() => validateScenario({ ...minimal, speed: 0, seed: -1 }, 'scenarios/x.ts')).toThrow(
      /scenarios\/x\.ts is invalid \(2 problems\):\n {2}- speed: .*\n {2}- seed: /,
    );
  });

  it('refuses a cutover whose freeze window outlasts the run, or that runs on no migration topology', () => {
    const cutover = (
      fault: Record<string, unknown>,
      store: Record<string, unknown> = { topology: 'migration' },
    ) =>
      problemsOf({
        ...minimal,
        speed: 10,
        store,
        faults: [{ name: 'cutover', fault: { kind: 'migration-cutover', ...fault }, at: '1m', for: '1m' }],
      });
    // 10 minutes at speed 10 is 60 s of wall clock.
    expect(cutover({ freeze: '90s' })).toContainEqual({
      field: 'faults[0].fault.freeze',
      message: expect.stringContaining('longer than the whole run (60 s at speed 10)'),
    });
    expect(cutover({ freeze: '10s', hold: '20s' })).toContainEqual({
      field: 'faults[0].fault.hold',
      message: 'hold (20000 ms) is longer than the freeze window may last (10000 ms)',
    });
    expect(cutover({ freeze: '10s' }, {})).toContainEqual({
      field: 'faults[0].fault.kind',
      message: expect.stringContaining('needs store.topology: migration'),
    });
  });

  it('takes a cutover that fits, with wall-clock durations in milliseconds', () => {
    const s = validateScenario({
      ...minimal,
      store: { topology: 'migration' },
      faults: [
        {
          name: 'cutover',
          fault: { kind: 'migration-cutover', freeze: '20s', hold: '5s' },
          at: '1m',
          for: '1m',
        },
      ],
    });
    expect(s.faults[0]!.fault).toEqual({
      kind: 'migration-cutover',
      target: 'b',
      freeze: 20_000,
      hold: 5_000,
      checkouts: 'refuse',
    });
  });
});
