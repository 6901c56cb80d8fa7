// The external provider: a target peakdrill does not start. From a config
// (external-config.ts) it builds a TargetModule whose "local start" is only
// peakdrill's own Toxiproxy in front of the declared sites (src/stack/proxy-stack.ts);
// every request, probe and oracle read goes through those proxies, and faults
// may name nothing but them. Or a user's target module (.ts) is loaded whole.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PeakdrillError } from '../../model/errors.ts';
import { LOOPBACK } from '../../stack/free-port.ts';
import { ProxyStack } from '../../stack/proxy-stack.ts';
import {
  REFERENCE_STORE_REJECTIONS,
  referenceStoreApiOn,
} from '../reference-store/reference-store-target.ts';
import type { LocalStartOptions, StartedTarget, TargetModule } from '../target.ts';
import { type ExternalConfig, isConfigPath, loadExternalConfig } from './external-config.ts';

/** A site's URL as host:port, the upstream of its proxy. */
export function upstreamOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

export function externalTarget(config: ExternalConfig, source: string): TargetModule {
  const sites = Object.entries(config.sites).map(([name, s]) => ({ name, url: s.url }));
  return {
    name: config.name,
    description: `${config.description} (external, from ${source})`,
    abilities: new Set(config.abilities),
    businessRejections: REFERENCE_STORE_REJECTIONS,
    // Its event stream is its own business: peakdrill reads only what it was given.
    publishesEvents: false,
    declaration: () => ({
      source: `target ${config.name} (${source})`,
      proxies: sites.map((s) => `edge-${s.name}`),
      processes: [],
      regions: sites.map((s) => s.name),
      endpoints: new Map(sites.map((s) => [`site-${s.name}`, upstreamOf(s.url)])),
    }),
    async startLocal(options: LocalStartOptions): Promise<StartedTarget> {
      const stack = await new ProxyStack()
        .withDir(options.dir)
        .forRun(options.runDir, { temporary: true })
        .withSites(sites.map((s) => ({ name: s.name, upstream: upstreamOf(s.url) })))
        .withEnv(options.env)
        .withLogger(options.log)
        .start();
      const proxied = sites.map((s) => {
        const proxy = stack.state.proxies.find((p) => p.name === `edge-${s.name}`)!;
        const path = new URL(s.url).pathname.replace(/\/$/, '');
        return { name: s.name, url: `http://${LOOPBACK}:${proxy.listen.port}${path}` };
      });
      return referenceStoreApiOn(stack.state, proxied, () => stack.stop());
    },
    async attach(): Promise<StartedTarget> {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `target ${config.name} is external: peakdrill puts its own proxies in front of it for each run`,
        { hint: 'leave out --stack existing' },
      );
    },
  };
}

/** A target given by path: a JSON or YAML config, or a module whose default export is a TargetModule. */
export async function loadTargetFile(path: string, cwd = process.cwd()): Promise<TargetModule> {
  const file = resolve(cwd, path);
  if (isConfigPath(file)) return externalTarget(loadExternalConfig(file), path);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_INPUT',
      `target module ${path} could not be loaded: ${(error as Error).message}`,
      {
        hint: 'a target is a JSON config or a .ts module whose default export is a TargetModule (docs/targets/external.md)',
      },
    );
  }
  const target = mod.default as Partial<TargetModule> | undefined;
  const missing = ['name', 'abilities', 'businessRejections', 'declaration', 'startLocal', 'attach'].filter(
    (k) => target?.[k as keyof TargetModule] === undefined,
  );
  if (target === undefined || missing.length > 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_INPUT',
      `target module ${path}: its default export is not a TargetModule (missing: ${missing.join(', ') || 'default export'})`,
      {
        hint: 'export default a TargetModule (src/targets/target.ts); src/targets/vendure/vendure-target.ts is an example',
      },
    );
  }
  return target as TargetModule;
}
