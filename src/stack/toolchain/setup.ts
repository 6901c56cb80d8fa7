// `peakdrill setup`: installs every tool a local stack needs, idempotently,
// under ~/.cache/peakdrill, and the system chromium and Prometheus the report and
// metrics tests drive.
// Tools install concurrently; a second run only checks. Missing prerequisites
// (Go, Java, Maven) produce one message each.
import { PeakdrillError } from '../../model/errors.ts';
import { ensureAptTools } from './apt-tools.ts';
import { CHROMIUM_TOOL } from './chromium-installer.ts';
import { ensureGoTool } from './go-tool-installer.ts';
import { ensureKafka } from './kafka-installer.ts';
import { ensurePostgres, ensurePostgresUser } from './postgres-installer.ts';
import { PROMETHEUS_TOOL } from './prometheus-tools.ts';
import { findJava, locateTools, type ToolStatus } from './tool-locator.ts';

export interface SetupResult {
  readonly tools: ToolStatus[];
  readonly durationMs: number;
}

export async function setupToolchain(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<SetupResult> {
  const started = performance.now();
  const java = await findJava(env);
  const results = await Promise.allSettled([
    ensurePostgres(env, log).then(async (pg) => {
      await ensurePostgresUser();
      return pg;
    }),
    ensureKafka(env, log),
    ensureGoTool('toxiproxy', env, log),
    ensureGoTool('k6', env, log),
    // One apt-get for both: dpkg takes one install at a time.
    ensureAptTools([CHROMIUM_TOOL, PROMETHEUS_TOOL], log),
  ]);
  const problems = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (!java || java.major < 17) {
    problems.push(
      new PeakdrillError(
        'PEAKDRILL_ERR_MISSING_TOOL',
        `Kafka needs Java 17+; ${java ? `found Java ${java.major}` : 'found no java'}`,
        {
          hint: 'install a JDK 17+ (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME',
        },
      ),
    );
  }
  if (problems.length > 0) {
    const messages = problems.map((p) =>
      p instanceof PeakdrillError ? `${p.message}${p.hint ? ` (fix: ${p.hint})` : ''}` : String(p),
    );
    throw new PeakdrillError(
      'PEAKDRILL_ERR_SETUP',
      `setup could not install everything:\n  - ${messages.join('\n  - ')}`,
      {
        hint: 'fix the items above, then run `peakdrill setup` again (finished tools are kept)',
      },
    );
  }
  return { tools: await locateTools(env), durationMs: Math.round(performance.now() - started) };
}
