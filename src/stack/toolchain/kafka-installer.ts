// Installs the Kafka broker (KRaft mode) as a folder of jars: the official
// release tarball when it can be fetched, else the Apache artifacts on Maven
// Central resolved by Maven (kafka_<scala> plus its runtime dependencies and
// an slf4j logging backend). Needs Java 17+ to run, Maven only to install.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import { cachePaths } from './cache-paths.ts';
import { tryDownload } from './release-download.ts';
import { runCommand, tail, which } from './run-command.ts';
import { type KafkaRelease, kafkaRelease } from './toolchain-versions.ts';

const COMPLETE_MARKER = '.peakdrill-complete';

export function kafkaJarName(env: NodeJS.ProcessEnv = process.env): string {
  const kafka = kafkaRelease(env);
  return `kafka_${kafka.scala}-${kafka.version}.jar`;
}

export function isKafkaInstalled(libs: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(join(libs, COMPLETE_MARKER)) && existsSync(join(libs, kafkaJarName(env)));
}

function pomFor(kafka: KafkaRelease): string {
  const [group, artifact, version] = kafka.slf4jBackend.split(':');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.peakdrill</groupId><artifactId>kafka-broker-libs</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${kafka.scala}</artifactId><version>${kafka.version}</version></dependency>
    <dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>
  </dependencies>
</project>
`;
}

async function fromRelease(
  kafka: KafkaRelease,
  staging: string,
  log: (line: string) => void,
): Promise<boolean> {
  const name = `kafka_${kafka.scala}-${kafka.version}`;
  const tarball = join(cachePaths().downloads, `${name}.tgz`);
  const url = `https://downloads.apache.org/kafka/${kafka.version}/${name}.tgz`;
  if (!existsSync(tarball) && !(await tryDownload(url, tarball, log))) return false;
  const untar = await runCommand('tar', [
    'xzf',
    tarball,
    '-C',
    staging,
    '--strip-components=2',
    `${name}/libs`,
  ]);
  return untar.code === 0 && existsSync(join(staging, `kafka_${kafka.scala}-${kafka.version}.jar`));
}

async function fromMaven(kafka: KafkaRelease, staging: string, log: (line: string) => void): Promise<void> {
  if (!(await which('mvn'))) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_MISSING_TOOL',
      'Maven (mvn) is needed to fetch the Kafka broker from Maven Central',
      {
        hint: 'install Maven (e.g. `apt-get install maven`) and Java 17+, then run `peakdrill setup` again',
      },
    );
  }
  log(`kafka: resolving org.apache.kafka:kafka_${kafka.scala}:${kafka.version} from Maven Central`);
  const work = await mkdtemp(join(tmpdir(), 'peakdrill-kafka-pom-'));
  try {
    await writeFile(join(work, 'pom.xml'), pomFor(kafka));
    const result = await runCommand(
      'mvn',
      ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
      { cwd: work, timeoutMs: 900_000 },
    );
    if (result.code !== 0 || !existsSync(join(staging, `kafka_${kafka.scala}-${kafka.version}.jar`))) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_SETUP',
        `Maven could not resolve the Kafka broker jars: ${tail(result.stdout + result.stderr, 6)}`,
        {
          hint: 'check that Maven Central is reachable (mvn -v; ~/.m2/settings.xml mirrors), then run `peakdrill setup` again',
        },
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function ensureKafka(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  const kafka = kafkaRelease(env);
  const libs = cachePaths(env).kafkaLibs;
  if (isKafkaInstalled(libs, env)) return libs;
  const staging = `${libs}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  if (!(await fromRelease(kafka, staging, log))) {
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    await fromMaven(kafka, staging, log);
  }
  log(`kafka: ${readdirSync(staging).length} jars`);
  await writeFile(join(staging, COMPLETE_MARKER), `${kafka.version}\n`);
  await mkdir(dirname(libs), { recursive: true });
  await rm(libs, { recursive: true, force: true });
  await rename(staging, libs);
  return libs;
}
