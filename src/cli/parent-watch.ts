// Notices when a process that started peakdrill is gone. `npx peakdrill …` and
// `npm run …` put wrappers (npm, then a shell) between a supervisor and
// peakdrill; a SIGINT or SIGTERM sent to the outer wrapper's pid alone (a CI
// cancel, systemd, `kill PID`) ends that wrapper at once and never reaches
// peakdrill, which would otherwise run on with its faults applied. So the
// nearest ancestors are watched (pid and kernel start time), and the loss of
// any of them is treated like the signal it got. Node resets ignored signals at
// start-up, so a `nohup` run cannot be told apart: a run meant to outlive its
// parents sets PEAKDRILL_OUTLIVE_PARENT=1.
import { readFileSync } from 'node:fs';
import { processStartTicks } from '../stack/process-supervisor.ts';

export interface ParentWatch {
  stop(): void;
}

/** Parent, grandparent, great-grandparent: npx → sh → node is two wrappers deep. */
const ANCESTORS_WATCHED = 3;

interface Ancestor {
  readonly pid: number;
  readonly ticks: string | null;
}

export function watchParent(
  onGone: (formerParent: number) => void,
  env: NodeJS.ProcessEnv = process.env,
  everyMs = 250,
): ParentWatch {
  if (env.PEAKDRILL_OUTLIVE_PARENT === '1') return { stop() {} };
  const ancestors = ancestry(process.ppid, ANCESTORS_WATCHED);
  if (ancestors.length === 0) return { stop() {} };
  const timer = setInterval(() => {
    const gone = ancestors.find((a) => processStartTicks(a.pid) !== a.ticks);
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone.pid);
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Up to `depth` ancestors from `pid` upwards, stopping before init (pid 1). */
export function ancestry(pid: number, depth: number): Ancestor[] {
  const out: Ancestor[] = [];
  for (let p = pid; p > 1 && out.length < depth; p = parentOf(p)) {
    const ticks = processStartTicks(p);
    if (ticks === null) break;
    out.push({ pid: p, ticks });
  }
  return out;
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}
