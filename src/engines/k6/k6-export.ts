// `peakdrill k6 export`: a scenario's HTTP traffic as a self-contained k6
// test: script.ts and ops.json that run with plain `k6 run`, seed.json for the
// store's catalog, a README, and k6-operator manifests (a ConfigMap with the
// script and its data, and a TestRun with the given parallelism: the operator
// gives each runner its execution segment).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Scenario } from '../../model/scenario-schema.ts';
import { planScenario } from '../../plan/scenario-plan.ts';
import { TOOLCHAIN } from '../../stack/toolchain/toolchain-versions.ts';
import { buildK6Plan, type K6PlanOptions } from './k6-plan.ts';
import { generateK6Script, type K6ThresholdMapping } from './k6-script.ts';

/** A ConfigMap holds at most 1 MiB; past this the README says to mount the files another way. */
export const CONFIGMAP_LIMIT_BYTES = 1_000_000;

export interface K6ExportOptions {
  readonly scenario: Scenario;
  readonly outDir: string;
  readonly seed?: number;
  readonly speed?: number;
  /** The store's base URL(s), one per region; the script's default, overridable with PEAKDRILL_BASE_URLS. */
  readonly baseUrls?: readonly string[];
  /** k6-operator runners (default 1). */
  readonly parallelism?: number;
  /** Kubernetes resource name (default peakdrill-<scenario>). */
  readonly name?: string;
}

export interface K6ExportResult {
  readonly files: readonly string[];
  readonly ops: number;
  readonly planned: number;
  readonly leftOut: Readonly<Record<string, number>>;
  readonly unmappedAssertions: K6ThresholdMapping['unmapped'];
  readonly configMapBytes: number;
}

/** The k6 options a scenario's fleets imply (the same shaping `peakdrill run` does). */
export function k6PlanOptionsFor(scenario: Scenario, seed: number): K6PlanOptions {
  const hooks = scenario.fleets.webhooks;
  return {
    seed,
    ...(hooks ? { webhook: { duplicateRate: hooks.duplicateRate, reorderRate: hooks.reorderRate } } : {}),
  };
}

export async function exportK6Scenario(options: K6ExportOptions): Promise<K6ExportResult> {
  const scenario = options.scenario;
  const seed = options.seed ?? scenario.seed;
  const speed = options.speed ?? scenario.speed;
  const parallelism = options.parallelism ?? 1;
  const name = options.name ?? `peakdrill-${scenario.name}`;
  const baseUrls = options.baseUrls ?? ['http://127.0.0.1:8080'];
  const { plan, catalog } = await planScenario(scenario, { seed, speed });
  const k6Plan = buildK6Plan(plan.ops, k6PlanOptionsFor(scenario, seed));
  const generated = generateK6Script(k6Plan, {
    scenario: scenario.name,
    assertions: scenario.assertions,
    baseUrls,
    opsFile: 'ops.json',
  });
  await mkdir(options.outDir, { recursive: true });
  const script = generated.script;
  const ops = `${JSON.stringify(generated.data)}\n`;
  const configMap = configMapManifest(name, { 'script.ts': script, 'ops.json': ops });
  const configMapBytes = Buffer.byteLength(script) + Buffer.byteLength(ops);
  const files: Record<string, string> = {
    'script.ts': script,
    'ops.json': ops,
    'seed.json': `${JSON.stringify({ skus: catalog.seed })}\n`,
    'configmap.yaml': configMap,
    'testrun.yaml': testRunManifest({ name, parallelism, baseUrls }),
    'README.md': readme({
      scenario,
      seed,
      speed,
      name,
      parallelism,
      ops: k6Plan.ops.length,
      baseUrls,
      tooBig: configMapBytes > CONFIGMAP_LIMIT_BYTES,
      unmapped: generated.unmappedAssertions,
    }),
  };
  for (const [file, text] of Object.entries(files)) await writeFile(join(options.outDir, file), text);
  return {
    files: Object.keys(files).map((f) => join(options.outDir, f)),
    ops: k6Plan.ops.length,
    planned: plan.ops.length,
    leftOut: k6Plan.leftOut,
    unmappedAssertions: generated.unmappedAssertions,
    configMapBytes,
  };
}

/** YAML's double-quoted scalars are JSON strings. */
const q = (s: string) => JSON.stringify(s);

function blockLiteral(text: string, indent: string): string {
  // Under `|` YAML keeps the text as it is and ends it with exactly one newline.
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? '' : indent + line))
    .join('\n');
}

export function configMapManifest(name: string, files: Readonly<Record<string, string>>): string {
  const data = Object.entries(files)
    .map(([file, text]) => `  ${file}: |\n${blockLiteral(text, '    ')}`)
    .join('\n');
  return `# The k6 script and its ops for the TestRun in testrun.yaml (a ConfigMap holds at most 1 MiB).
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${q(name)}
  labels:
    app.kubernetes.io/part-of: peakdrill
data:
${data}
`;
}

export function testRunManifest(options: {
  readonly name: string;
  readonly parallelism: number;
  readonly baseUrls: readonly string[];
}): string {
  return `# k6-operator TestRun: ${options.parallelism} runner(s), each given its execution segment by the operator.
# Outcome lines go to each runner's log (--log-format raw): collect them with
#   kubectl logs -l k6_cr=${options.name} --tail=-1 > outcomes.ndjson
apiVersion: k6.io/v1alpha1
kind: TestRun
metadata:
  name: ${q(options.name)}
spec:
  parallelism: ${options.parallelism}
  script:
    configMap:
      name: ${q(options.name)}
      file: script.ts
  arguments: ${q('--log-format raw --no-usage-report')}
  runner:
    image: ${q(`grafana/k6:${TOOLCHAIN.k6.version}`)}
    env:
      - name: PEAKDRILL_BASE_URLS
        value: ${q(options.baseUrls.join(','))}
`;
}

function readme(o: {
  scenario: Scenario;
  seed: number;
  speed: number;
  name: string;
  parallelism: number;
  ops: number;
  baseUrls: readonly string[];
  tooBig: boolean;
  unmapped: K6ThresholdMapping['unmapped'];
}): string {
  const url = o.baseUrls[0]!;
  return `# ${o.scenario.name} for k6

Exported by \`peakdrill k6 export ${o.scenario.name} --seed ${o.seed} --speed ${o.speed}\`: ${o.ops.toLocaleString('en-US')} HTTP ops
(${o.scenario.description}). Kafka devices (RFID readers, scanners) are not in it: they need the node engine.

Run it with plain k6 (${TOOLCHAIN.k6.version}) against a store seeded with seed.json:

    curl -sf -X POST ${url}/admin/seed -H 'content-type: application/json' --data @seed.json
    k6 run --log-format raw --console-output outcomes.ndjson -e PEAKDRILL_BASE_URLS=${o.baseUrls.join(',')} script.ts

outcomes.ndjson then holds one line per attempt (invoke before sending, completion after), the
material of a peakdrill history. Split the load over machines with k6's execution segments
(\`--execution-segment 0:1/2 --execution-segment-sequence 0,1/2,1\` and \`1/2:1\`), or on Kubernetes with the
k6-operator:

    kubectl apply -f configmap.yaml -f testrun.yaml    # parallelism ${o.parallelism}
${o.tooBig ? '\nThe script and ops.json exceed what a ConfigMap holds (1 MiB): put them on a volume and point\n`spec.script.volumeClaim` of testrun.yaml at it instead of `configMap`.\n' : ''}
Limits: k6 has no POS offline mode (a checkout whose uplink fails is recorded as the store answered),
and a return is sent only when its checkout ran in the same VU (peakdrill's order registry is not
there outside \`peakdrill run\`). Thresholds: k6 gates what it measures itself${o.unmapped.length > 0 ? `; these assertions are left to \`peakdrill check\`: ${o.unmapped.map((u) => u.assertion).join(', ')}` : ''}.
`;
}
