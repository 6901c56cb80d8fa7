// Declared targets only: every fault names a proxy, process or region that the
// stack (or, later, the target config) declares, and a cutover may only point
// a proxy at an address that is declared too, or on this machine's loopback.
// Checked when a scenario is loaded and before `faults inject` touches
// anything, so a typo or an address outside the rehearsal is refused before
// the first op is sent. Pure: the declaration is data.
import { isIP } from 'node:net';
import { PeakdrillError } from '../model/errors.ts';
import { TOXIC_KINDS } from '../model/fault-spec.ts';
import { posUplinkNames } from '../stack/pos-uplinks.ts';
import type { StackState } from '../stack/stack-state.ts';

export interface TargetDeclaration {
  /** How the declaration is named in an error: 'the local stack', 'the stack in /tmp/x'. */
  readonly source: string;
  readonly proxies: readonly string[];
  readonly processes: readonly string[];
  readonly regions: readonly string[];
  /** Named endpoints (a cutover may name one instead of host:port) with their addresses. */
  readonly endpoints: ReadonlyMap<string, string>;
}

/** What a fault needs checked: its kind, target and, for a cutover, the new upstream. */
export interface FaultTargetRef {
  readonly kind: string;
  readonly target?: string | undefined;
  readonly upstream?: string | undefined;
}

/** Fault kinds whose target is a site (region a/b, or blue/green of a migration). */
const REGION_KINDS: ReadonlySet<string> = new Set([
  'region-loss',
  'failback',
  'migration-cutover',
  'migration-rollback',
]);
const PROXY_KINDS: ReadonlySet<string> = new Set([
  ...TOXIC_KINDS,
  'partition',
  'cutover',
  'replication-pause',
]);
const PROCESS_KINDS = new Set(['process-kill', 'process-pause', 'db-failover']);

/** The local stack's topology, known before it starts (ports are not, so addresses are loopback). */
export function localStackDeclaration(options: { store: boolean }): TargetDeclaration {
  const storeProxies = options.store ? ['edge-a', 'edge-b', ...posUplinkNames()] : [];
  return {
    source: 'the local stack',
    proxies: [...storeProxies, 'db-a', 'db-b', 'repl-ab', 'repl-ba', 'kafka'],
    processes: [
      'toxiproxy',
      'postgres-a',
      'postgres-b',
      'kafka',
      ...(options.store ? ['store-a', 'store-b'] : []),
    ],
    regions: ['a', 'b'],
    endpoints: new Map(),
  };
}

/** A running stack's declaration, from its stack.json. */
export function stackStateDeclaration(state: StackState): TargetDeclaration {
  return {
    source: `the stack in ${state.dir}`,
    proxies: state.proxies.map((p) => p.name),
    processes: state.processes.map((p) => p.name),
    regions: ['a', 'b'],
    endpoints: new Map(Object.entries(state.endpoints).map(([name, e]) => [name, `${e.host}:${e.port}`])),
  };
}

/** One line per problem, prefixed with `where(i)` (the field path of fault i). */
export function faultTargetProblems(
  faults: readonly FaultTargetRef[],
  declaration: TargetDeclaration,
  where: (i: number) => string = (i) => `faults[${i}]`,
): string[] {
  const problems: string[] = [];
  faults.forEach((f, i) => {
    const problem = targetProblem(f, declaration) ?? upstreamProblem(f, declaration);
    if (problem !== undefined) problems.push(`${where(i)}: ${problem}`);
  });
  return problems;
}

function targetProblem(f: FaultTargetRef, d: TargetDeclaration): string | undefined {
  const target = f.target ?? '';
  const [set, what] = PROXY_KINDS.has(f.kind)
    ? [d.proxies, 'proxy']
    : PROCESS_KINDS.has(f.kind)
      ? [d.processes, 'process']
      : REGION_KINDS.has(f.kind)
        ? [d.regions, 'region']
        : [undefined, ''];
  if (set === undefined || set.includes(target)) return undefined;
  return `${f.kind} targets ${what} "${target}", which ${d.source} does not declare (declared: ${set.join(', ')})`;
}

function upstreamProblem(f: FaultTargetRef, d: TargetDeclaration): string | undefined {
  if (f.kind !== 'cutover' || f.upstream === undefined) return undefined;
  if (d.endpoints.has(f.upstream)) return undefined;
  const host = hostOf(f.upstream);
  if (host !== undefined && isLoopback(host)) return undefined;
  if ([...d.endpoints.values()].includes(f.upstream)) return undefined;
  return (
    `cutover sends ${f.target} to ${f.upstream}, which ${d.source} does not declare; ` +
    'peakdrill only points traffic at declared members or at 127.0.0.1'
  );
}

function hostOf(address: string): string | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  return m?.[1];
}

/** 127.0.0.0/8, ::1 and localhost: this machine, and nothing else. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** Throws one error listing every undeclared target, with the fix. */
export function assertFaultTargets(
  faults: readonly FaultTargetRef[],
  declaration: TargetDeclaration,
  where?: (i: number) => string,
): void {
  const problems = faultTargetProblems(faults, declaration, where);
  if (problems.length === 0) return;
  throw new PeakdrillError(
    'PEAKDRILL_ERR_INVALID_INPUT',
    `faults name targets outside ${declaration.source}:\n  - ${problems.join('\n  - ')}`,
    {
      hint: 'name a declared proxy, process or region (`peakdrill stack status` lists them); a cutover goes to a declared endpoint or a 127.0.0.1 address',
    },
  );
}
