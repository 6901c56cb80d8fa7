// The secrets a report must never carry that the environment does not name:
// the local stack's generated database password (stack.json, mode 0600).
// Read at the CLI's edge and handed to renderReports; best effort, because a
// report must still be written when no stack was ever started here.
import { defaultStackDir } from '../stack/local-stack.ts';
import { stackLayout } from '../stack/stack-context.ts';
import { readStackState } from '../stack/stack-state.ts';

export function stackSecrets(env: NodeJS.ProcessEnv, stackDir = defaultStackDir(env)): string[] {
  try {
    const state = readStackState(stackLayout(stackDir).stateFile);
    return state === undefined ? [] : [state.secrets.pgPassword];
  } catch {
    // An unreadable stack record cannot leak into a report through us either.
    return [];
  }
}
