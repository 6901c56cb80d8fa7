// Where peakdrill keeps what it installs: ~/.cache/peakdrill unless
// PEAKDRILL_CACHE says otherwise. Every tool lives under a versioned folder so
// a version bump installs beside the old one instead of over it.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { kafkaRelease, TOOLCHAIN } from './toolchain-versions.ts';

export interface CachePaths {
  readonly root: string;
  readonly kafkaLibs: string;
  readonly toxiproxyBinary: string;
  readonly k6Binary: string;
  readonly postgresNpm: string;
  readonly downloads: string;
  /** An npm prefix holding @vendure/core and its companions (node_modules/ inside). */
  readonly vendure: string;
}

export function cachePaths(env: NodeJS.ProcessEnv = process.env): CachePaths {
  const root = env.PEAKDRILL_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'peakdrill');
  const kafka = kafkaRelease(env);
  return {
    root,
    kafkaLibs: join(root, 'kafka', `${kafka.scala}-${kafka.version}`, 'libs'),
    toxiproxyBinary: join(root, 'toxiproxy', TOOLCHAIN.toxiproxy.version, 'toxiproxy-server'),
    k6Binary: join(root, 'k6', TOOLCHAIN.k6.version, 'k6'),
    postgresNpm: join(root, 'postgres-npm', TOOLCHAIN.postgres.npmVersion),
    downloads: join(root, 'downloads'),
    vendure: join(root, 'vendure', TOOLCHAIN.vendure.version),
  };
}
