// Run ids name a directory under --out and appear in histories and reports:
// they are names, never paths. `--run-id ../../x` used to write outside --out.
import { PeakdrillError } from '../model/errors.ts';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function runIdProblem(id: string): string | undefined {
  if (id === '.' || id === '..' || !RUN_ID.test(id))
    return 'a run id is a name of 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit (no "/", no "..")';
  return undefined;
}

/** Throws a usage error naming the id when it is not a plain name. */
export function validateRunId(id: string, field = '--run-id'): string {
  const problem = runIdProblem(id);
  if (problem !== undefined) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `${field} ${JSON.stringify(id)} is not a run id: ${problem}`,
      {
        hint: `pick a plain name, e.g. ${field} drill-1; the run lands in <out>/<run-id>/ (choose the folder with --out)`,
      },
    );
  }
  return id;
}
