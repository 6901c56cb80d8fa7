// Resynchronises a stopped PostgreSQL server of the local stack from the current
// writer: its data directory is replaced by a fresh base backup taken through a
// replication proxy, and it comes back as a streaming standby of that writer.
// This is how a lost region rejoins before a failback: its own database diverged
// (it was primary on the old timeline), so nothing of it is kept. A fresh base
// backup rather than pg_rewind: pg_rewind needs wal_log_hints or checksums and a
// clean shutdown of the old primary, and a region loss gives neither.
import { existsSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PeakdrillError } from '../model/errors.ts';
import { LOOPBACK } from './free-port.ts';
import { connectionConfig, copyBackup, PG_USER, standbySettings, withClient } from './postgres-service.ts';
import type { ProcessSpec } from './process-supervisor.ts';
import { runCommand, tail } from './toolchain/run-command.ts';

export interface ResyncPlan {
  /** The stopped server's start spec (its binary, data directory, user and environment). */
  readonly spec: ProcessSpec;
  /** The writer to copy from, directly (for the low-level backup API) and its data directory. */
  readonly source: { readonly name: string; readonly port: number; readonly dataDir: string };
  /** The proxy the standby streams through (repl-ba), so faults can reach the link. */
  readonly replicationPort: number;
  /** Physical slot on the writer, so it keeps the WAL the standby has not received. */
  readonly slot: string;
  readonly password: string;
  readonly pidDir: string;
}

/** The data directory a spec starts postgres on (`postgres -D <dir>`). */
export function dataDirOf(spec: ProcessSpec): string {
  const i = spec.args.indexOf('-D');
  const dir = i >= 0 ? spec.args[i + 1] : undefined;
  if (!dir) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_STACK_STATE',
      `${spec.name}'s start spec names no data directory`,
    );
  }
  return dir;
}

export async function resyncAsStandby(plan: ResyncPlan): Promise<void> {
  const { spec, source, password, slot } = plan;
  const dataDir = dataDirOf(spec);
  // A slot left by an earlier failback would pin WAL the new copy does not need.
  await withClient(connectionConfig(source.port, password, 'postgres'), async (c) => {
    await c.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [slot],
    );
    await c.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
  });
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (spec.uid !== undefined) await chown(dataDir, spec.uid, spec.gid ?? spec.uid);
  const basebackup = join(dirname(spec.command), 'pg_basebackup');
  if (existsSync(basebackup)) await baseBackup(plan, basebackup, dataDir);
  else await copyBackup(source, dataDir, password);
  await writeFile(join(dataDir, 'standby.signal'), '');
  // Only what a standby of this writer needs: the writer's own settings (a sync standby
  // name that would make this server wait for itself once promoted) are not inherited.
  await writeFile(
    join(dataDir, 'postgresql.auto.conf'),
    `# written by peakdrill's failback\n${standbySettings(plan.replicationPort, password, slot)}synchronous_standby_names = ''\n`,
    { mode: 0o600 },
  );
  if (spec.uid !== undefined) {
    await runCommand('chown', ['-R', `${spec.uid}:${spec.gid ?? spec.uid}`, dataDir]);
  }
}

async function baseBackup(plan: ResyncPlan, binary: string, dataDir: string): Promise<void> {
  const { spec } = plan;
  const result = await runCommand(
    binary,
    [
      ...['-h', LOOPBACK, '-p', String(plan.replicationPort), '-U', PG_USER, '-D', dataDir],
      ...['-X', 'stream', '-c', 'fast', '--no-sync', '-S', plan.slot],
    ],
    {
      env: { ...process.env, ...(spec.env ?? {}), PGPASSWORD: plan.password },
      timeoutMs: 120_000,
      ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid ?? spec.uid } : {}),
      track: { pidDir: plan.pidDir, name: `basebackup-${spec.name}` },
    },
  );
  if (result.code !== 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `pg_basebackup of ${spec.name} from ${plan.source.name} failed: ${tail(result.stderr, 6)}`,
      { hint: `see the failback's lines in ${spec.logFile}; the writer keeps every write meanwhile` },
    );
  }
}
