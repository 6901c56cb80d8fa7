// Every mutant StrykerJS's instrumenter can make in the sample's files, as
// plain candidates: file, 1-based line and column, mutator, the original
// source text and Stryker's replacement code. Sources are read from the
// sample's commit, the tree the scratch copies are made from, so locations match.
// Mutants Stryker's ignorers drop, string literals and regexes (messages, SQL
// text, statement names: mostly runs that merely error) are left out.
import { execFileSync } from 'node:child_process';
import { Instrumenter, type InstrumenterOptions } from '@stryker-mutator/instrumenter';
import type { ModuleGroup } from './module-map.ts';
import { SAMPLE_IGNORERS } from './mutant-ignorers.ts';

export interface Candidate {
  /** `<file>#<stryker id>`: stable for one HEAD. */
  readonly id: string;
  readonly group: string;
  readonly scenario: string;
  readonly file: string;
  /** 1-based, as editors and the report show them. */
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly mutator: string;
  readonly original: string;
  readonly replacement: string;
  /** The whole source line the mutant starts on, for a reader judging equivalence. */
  readonly sourceLine: string;
}

/** Mutators whose mutants are text, not behaviour, for this sample. */
export const EXCLUDED_MUTATORS = ['StringLiteral', 'Regex'];

const quiet = () => {};
// Stryker's Logger; the instrumenter only logs progress, which the sample does not need.
const LOGGER = {
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: quiet,
  error: quiet,
  fatal: quiet,
  isTraceEnabled: () => false,
  isDebugEnabled: () => false,
  isInfoEnabled: () => false,
  isWarnEnabled: () => false,
  isErrorEnabled: () => false,
  isFatalEnabled: () => false,
};

export function readAtCommit(repoRoot: string, commit: string, file: string): string {
  return execFileSync('git', ['-C', repoRoot, 'show', `${commit}:${file}`], { encoding: 'utf8' });
}

export async function catalogMutants(
  groups: readonly ModuleGroup[],
  read: (file: string) => string,
): Promise<Candidate[]> {
  const options: InstrumenterOptions = {
    plugins: null,
    excludedMutations: EXCLUDED_MUTATORS,
    ignorers: [...SAMPLE_IGNORERS],
  };
  const out: Candidate[] = [];
  for (const group of groups) {
    for (const file of group.files) {
      const content = read(file);
      const { mutants } = await new Instrumenter(LOGGER as never).instrument(
        [{ name: file, content, mutate: true }],
        options,
      );
      const lines = lineStarts(content);
      for (const m of mutants) {
        if (m.status === 'Ignored') continue;
        const start = lines[m.location.start.line]! + m.location.start.column;
        const end = lines[m.location.end.line]! + m.location.end.column;
        const original = content.slice(start, end);
        // A mutant of an expression that reads a defect switch re-seeds a known defect.
        if (/\bdefects\./.test(original)) continue;
        out.push({
          id: `${file}#${m.id}`,
          group: group.name,
          scenario: group.scenario,
          file,
          line: m.location.start.line + 1,
          column: m.location.start.column + 1,
          endLine: m.location.end.line + 1,
          endColumn: m.location.end.column + 1,
          mutator: m.mutatorName,
          original,
          replacement: m.replacement,
          sourceLine: content.slice(lines[m.location.start.line], lines[m.location.start.line + 1]).trimEnd(),
        });
      }
    }
  }
  return out;
}

/** Offsets of each line's first character (index 0 = line 1). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}
