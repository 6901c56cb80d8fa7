// The nemesis: applies faults to a running stack and always takes them back.
// Every fault's undo is planned first and journaled (fsynced) before the fault
// is applied; stop() runs the undo in reverse. healAll() is what finally
// blocks and signal handlers call; clearLeftovers() is what the next start or
// `peakdrill faults clear` calls after a crash.
import { randomBytes } from 'node:crypto';
import { Toxiproxy } from 'toxiproxy-node-client';
import { isMemberDown, PeakdrillError } from '../model/errors.ts';
import { type FaultSpec, isToxicFault, type ToxicFaultSpec } from '../model/fault-spec.ts';
import { promote } from '../stack/postgres-service.ts';
import { readPidRecords } from '../stack/process-supervisor.ts';
import { stackLayout } from '../stack/stack-context.ts';
import { StackControl } from '../stack/stack-control.ts';
import { readStackState, type StackState } from '../stack/stack-state.ts';
import { failBack, failbackMove, settleFailback } from './failback.ts';
import { FaultJournal, type FaultUndo, type JournalEntry } from './fault-journal.ts';
import { assertFaultTargets, stackStateDeclaration } from './fault-targets.ts';
import { cutOver, cutoverMove, settleCutover } from './migration-cutover.ts';
import { rollBack, rollbackMove, settleRollback } from './migration-rollback.ts';
import { regionMembers } from './region-members.ts';

/** Toxics peakdrill creates carry this prefix, so a sweep can find any it left behind. */
export const TOXIC_PREFIX = 'peakdrill-';

export interface ActiveFault {
  readonly id: string;
  readonly spec: FaultSpec;
  readonly undo: readonly FaultUndo[];
  /** What a fault that does work reports once applied (a cutover: its freeze, drain and replay). */
  outcome?: Readonly<Record<string, number>>;
  readonly startedAt: number;
}

export type FaultEvent =
  | { readonly phase: 'start'; readonly fault: ActiveFault }
  | { readonly phase: 'stop'; readonly fault: ActiveFault }
  | { readonly phase: 'heal-failed'; readonly fault: ActiveFault; readonly error: string };

export interface NemesisOptions {
  readonly runTag?: string;
  /** Called after a fault is applied and after it is healed (the history records these). */
  readonly onEvent?: (event: FaultEvent) => void;
}

function toxicAttributes(spec: ToxicFaultSpec): { type: string; attributes: Record<string, number> } {
  switch (spec.kind) {
    case 'latency':
      return { type: 'latency', attributes: { latency: spec.latencyMs, jitter: spec.jitterMs } };
    case 'bandwidth':
      return { type: 'bandwidth', attributes: { rate: spec.rateKBps } };
    case 'slow-close':
      return { type: 'slow_close', attributes: { delay: spec.delayMs } };
    case 'timeout':
      return { type: 'timeout', attributes: { timeout: spec.timeoutMs } };
    case 'reset-peer':
      return { type: 'reset_peer', attributes: { timeout: spec.timeoutMs } };
    case 'slicer':
      return {
        type: 'slicer',
        attributes: {
          average_size: spec.averageSize,
          size_variation: spec.sizeVariation,
          delay: spec.delayUs,
        },
      };
    case 'limit-data':
      return { type: 'limit_data', attributes: { bytes: spec.bytes } };
  }
}

export class Nemesis {
  readonly runTag: string;
  private readonly journal: FaultJournal;
  private readonly control: StackControl;
  private readonly toxiproxy: Toxiproxy;
  private readonly state: StackState;
  private readonly active = new Map<string, ActiveFault>();
  private readonly onEvent: (event: FaultEvent) => void;
  private seq = 0;

  private constructor(dir: string, state: StackState, options: NemesisOptions) {
    this.state = state;
    this.runTag = options.runTag ?? randomBytes(4).toString('hex');
    this.journal = new FaultJournal(dir);
    this.control = new StackControl(dir);
    this.toxiproxy = new Toxiproxy(state.endpoints.toxiproxy!.url!);
    this.onEvent = options.onEvent ?? (() => {});
  }

  /** A nemesis for the stack recorded in `dir`; it touches only what stack.json declares. */
  static forStack(dir: string, options: NemesisOptions = {}): Nemesis {
    const state = readStackState(stackLayout(dir).stateFile);
    if (!state) {
      throw new PeakdrillError('PEAKDRILL_ERR_STACK_STATE', `no stack is running in ${dir}`, {
        hint: 'start one with `peakdrill stack up` (or pass --dir)',
      });
    }
    return new Nemesis(dir, state, options);
  }

  get activeFaults(): ActiveFault[] {
    return [...this.active.values()];
  }

  private assertProxy(name: string): void {
    if (!this.state.proxies.some((p) => p.name === name)) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_FAULT_APPLY',
        `fault target ${name} is not a proxy of this stack`,
        {
          hint: `use one of: ${this.state.proxies.map((p) => p.name).join(', ')}`,
        },
      );
    }
  }

  private processNames(): string[] {
    return readPidRecords(stackLayout(this.state.dir).pids).map((r) => r.name);
  }

  /** Works out how to undo a fault before anything is touched. */
  private planUndo(id: string, spec: FaultSpec): FaultUndo[] {
    // Nothing outside stack.json is ever touched, whoever built the spec.
    assertFaultTargets([spec], stackStateDeclaration(this.state), () => 'fault');
    if (isToxicFault(spec)) {
      this.assertProxy(spec.target);
      return [{ action: 'remove-toxic', proxy: spec.target, toxic: `${TOXIC_PREFIX}${id}` }];
    }
    switch (spec.kind) {
      case 'partition':
        this.assertProxy(spec.target);
        return [{ action: 'enable-proxy', proxy: spec.target }];
      case 'replication-pause':
        this.assertProxy(spec.target);
        return [{ action: 'enable-proxy', proxy: spec.target }];
      case 'cutover': {
        this.assertProxy(spec.target);
        const original = this.state.proxies.find((p) => p.name === spec.target)!.upstream;
        return [{ action: 'restore-upstream', proxy: spec.target, upstream: original }];
      }
      case 'process-kill':
        this.control.pid(spec.target);
        return [{ action: 'restart-process', process: spec.target }];
      case 'process-pause':
        return [{ action: 'resume-process', process: spec.target, pid: this.control.pid(spec.target) }];
      case 'region-loss': {
        const members = regionMembers(spec.target, {
          proxies: this.state.proxies.map((p) => p.name),
          processes: this.processNames(),
        });
        const edges = members.proxies.filter((p) => p.startsWith('edge-'));
        const links = members.proxies.filter((p) => !p.startsWith('edge-'));
        // Undo runs last-first, so this heals in dependency order: the database link, the
        // database, the store (which needs its database to start), and traffic last.
        return [
          ...edges.map((proxy) => ({ action: 'enable-proxy' as const, proxy })),
          ...members.processes.map((process) => ({ action: 'restart-process' as const, process })),
          ...links.map((proxy) => ({ action: 'enable-proxy' as const, proxy })),
        ];
      }
      case 'db-failover':
        return [
          { action: 'none', reason: 'a promoted standby cannot be demoted; recreate the stack to fail back' },
        ];
      case 'failback':
        return [{ action: 'settle-failback', ...failbackMove(spec.target) }];
      case 'migration-cutover': {
        const { to, from } = cutoverMove(spec);
        return [{ action: 'settle-cutover', to, from }];
      }
      case 'migration-rollback': {
        const { to, from } = rollbackMove(spec);
        return [{ action: 'settle-rollback', to, from }];
      }
    }
  }

  /** A cutover may name a declared endpoint (postgres-b) instead of its host:port. */
  private resolveUpstream(upstream: string): string {
    const endpoint = this.state.endpoints[upstream];
    return endpoint === undefined ? upstream : `${endpoint.host}:${endpoint.port}`;
  }

  private async setProxyEnabled(name: string, enabled: boolean): Promise<void> {
    const proxy = await this.toxiproxy.get(name);
    if (proxy.enabled !== enabled)
      await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
  }

  private async applyFault(fault: ActiveFault): Promise<void> {
    const { id, spec } = fault;
    if (isToxicFault(spec)) {
      const { type, attributes } = toxicAttributes(spec);
      const proxy = await this.toxiproxy.get(spec.target);
      await proxy.addToxic({
        name: `${TOXIC_PREFIX}${id}`,
        type: type as never,
        stream: spec.direction,
        toxicity: spec.toxicity,
        attributes,
      });
      return;
    }
    switch (spec.kind) {
      case 'partition':
      case 'replication-pause':
        return this.setProxyEnabled(spec.target, false);
      case 'cutover': {
        const proxy = await this.toxiproxy.get(spec.target);
        // Toxiproxy applies a new upstream to new connections; existing ones
        // stay on the old backend, as with a DNS or load-balancer shift.
        await proxy.update({
          enabled: proxy.enabled,
          listen: proxy.listen,
          upstream: this.resolveUpstream(spec.upstream),
        });
        return;
      }
      case 'process-kill':
        return this.control.kill(spec.target);
      case 'process-pause':
        this.control.pause(spec.target);
        return;
      case 'region-loss': {
        const members = regionMembers(spec.target, {
          proxies: this.state.proxies.map((p) => p.name),
          processes: this.processNames(),
        });
        await Promise.all(members.proxies.map((p) => this.setProxyEnabled(p, false)));
        await Promise.all(members.processes.map((p) => this.control.kill(p)));
        return;
      }
      case 'db-failover':
        return promote(this.state.endpoints['postgres-b']!.port, this.state.secrets.pgPassword);
      case 'failback':
        return failBack(this.state, this.control, failbackMove(spec.target));
      case 'migration-cutover':
        fault.outcome = {
          ...(await cutOver(this.state, this.toxiproxy, cutoverMove(spec))),
        };
        return;
      case 'migration-rollback':
        fault.outcome = {
          ...(await rollBack(this.state, this.toxiproxy, rollbackMove(spec))),
        };
        return;
    }
  }

  private async runUndo(undo: FaultUndo): Promise<void> {
    switch (undo.action) {
      case 'remove-toxic': {
        const proxy = await this.toxiproxy.get(undo.proxy);
        await proxy.api.delete(`${proxy.getPath()}/toxics/${undo.toxic}`).catch((error: Error) => {
          // Already gone is healed; anything else is not.
          if (!/not found|404/i.test(error.message)) throw error;
        });
        return;
      }
      case 'enable-proxy':
        return this.setProxyEnabled(undo.proxy, true);
      case 'restore-upstream': {
        const proxy = await this.toxiproxy.get(undo.proxy);
        if (proxy.upstream !== undo.upstream) {
          await proxy.update({ enabled: proxy.enabled, listen: proxy.listen, upstream: undo.upstream });
        }
        return;
      }
      case 'resume-process':
        this.control.resume(undo.process, undo.pid);
        return;
      case 'restart-process':
        if (!this.control.isRunning(undo.process)) await this.control.restart(undo.process);
        return;
      case 'settle-failback':
        return settleFailback(this.state, undo);
      case 'settle-cutover':
        return settleCutover(this.state, this.toxiproxy, undo);
      case 'settle-rollback':
        return settleRollback(this.state, this.toxiproxy, undo);
      case 'none':
        return;
    }
  }

  /** Journals the fault with its undo, then applies it. A failed apply is undone and rethrown. */
  async start(spec: FaultSpec): Promise<ActiveFault> {
    const id = `${this.runTag}-${++this.seq}`;
    const undo = this.planUndo(id, spec);
    const fault: ActiveFault = { id, spec, undo, startedAt: Date.now() };
    this.journal.record({ runTag: this.runTag, faultId: id, phase: 'intent', spec, undo });
    this.active.set(id, fault);
    try {
      await this.applyFault(fault);
    } catch (error) {
      await this.stop(fault).catch(() => {});
      // A member of the target that is not there to act on is a finding, not a harness error.
      if (isMemberDown(error)) throw error;
      throw new PeakdrillError(
        'PEAKDRILL_ERR_FAULT_APPLY',
        `could not apply ${spec.kind} to ${spec.target}: ${(error as Error).message}`,
        {
          cause: error,
          hint: 'check the stack is up (`peakdrill stack status`)',
        },
      );
    }
    this.journal.record({ runTag: this.runTag, faultId: id, phase: 'applied' });
    this.onEvent({ phase: 'start', fault });
    return fault;
  }

  /** Runs the fault's undo in reverse order; every step is tried even if one fails. */
  async stop(fault: ActiveFault): Promise<void> {
    const errors: string[] = [];
    const membersDown: string[] = [];
    for (const undo of [...fault.undo].reverse()) {
      try {
        await this.runUndo(undo);
      } catch (error) {
        if (isMemberDown(error)) membersDown.push((error as Error).message);
        else errors.push(`${undo.action}: ${(error as Error).message}`);
      }
    }
    this.active.delete(fault.id);
    if (errors.length === 0 && membersDown.length > 0) {
      // Every undo ran: nothing is left for a later peakdrill to take back. The member
      // that stayed down is reported as what it is, a finding about the target.
      this.journal.record({ runTag: this.runTag, faultId: fault.id, phase: 'healed' });
      this.onEvent({ phase: 'heal-failed', fault, error: membersDown.join('; ') });
      throw new PeakdrillError('PEAKDRILL_ERR_MEMBER_DOWN', membersDown.join('; '), {
        hint: 'a member of the target did not recover; the verdict says so (target-recovery)',
      });
    }
    if (errors.length > 0) {
      this.journal.record({
        runTag: this.runTag,
        faultId: fault.id,
        phase: 'heal-failed',
        error: errors.join('; '),
      });
      this.onEvent({ phase: 'heal-failed', fault, error: errors.join('; ') });
      throw new PeakdrillError(
        'PEAKDRILL_ERR_FAULT_HEAL',
        `could not heal ${fault.spec.kind} on ${fault.spec.target}: ${errors.join('; ')}`,
        {
          hint: 'run `peakdrill faults clear`; if it fails too, `peakdrill stack down` removes everything',
        },
      );
    }
    this.journal.record({ runTag: this.runTag, faultId: fault.id, phase: 'healed' });
    this.onEvent({ phase: 'stop', fault });
  }

  /** Heals every active fault, newest first. Returns the errors rather than stopping at the first. */
  async healAll(): Promise<Error[]> {
    const errors: Error[] = [];
    for (const fault of this.activeFaults.reverse()) {
      await this.stop(fault).catch((error: Error) => errors.push(error));
    }
    return errors;
  }

  /**
   * Undoes whatever a crashed run left: journal intents with no heal, then a
   * sweep for any peakdrill toxic and any declared proxy left disabled or
   * pointed elsewhere. Returns what it healed.
   */
  async clearLeftovers(options: { onlyOrphans?: boolean } = {}): Promise<string[]> {
    const healed: string[] = [];
    const entries = options.onlyOrphans ? this.journal.orphans() : this.journal.leftovers();
    for (const entry of entries) {
      await this.healEntry(entry);
      this.journal.markHealed(entry.faultId, this.runTag);
      healed.push(`${entry.spec?.kind ?? 'fault'} on ${entry.spec?.target ?? '?'} (run ${entry.runTag})`);
    }
    // A live run's faults are its own: the sweep below would take them from under it.
    if (options.onlyOrphans && (entries.length === 0 || this.journal.leftovers().length > 0)) return healed;
    const proxies = await this.toxiproxy.getAll();
    for (const declared of this.state.proxies) {
      const proxy = proxies[declared.name];
      if (!proxy) continue;
      const { data: toxics } = await proxy.api.get<{ name: string }[]>(`${proxy.getPath()}/toxics`);
      for (const toxic of toxics.filter((t) => t.name.startsWith(TOXIC_PREFIX))) {
        await this.runUndo({ action: 'remove-toxic', proxy: declared.name, toxic: toxic.name });
        healed.push(`toxic ${toxic.name} on ${declared.name}`);
      }
      if (!proxy.enabled || proxy.upstream !== declared.upstream) {
        await proxy.update({ enabled: true, listen: proxy.listen, upstream: declared.upstream });
        healed.push(`proxy ${declared.name} re-enabled at ${declared.upstream}`);
      }
    }
    return healed;
  }

  private async healEntry(entry: JournalEntry): Promise<void> {
    for (const undo of [...(entry.undo ?? [])].reverse()) await this.runUndo(undo);
  }
}
