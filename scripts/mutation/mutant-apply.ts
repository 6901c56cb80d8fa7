// Applies one mutant textually: the original range of the file is replaced by
// Stryker's replacement code, and the result must still be erasable
// TypeScript, because the store runs its sources through Node's type
// stripping with no build. Pure: text in, text out.
import { stripTypeScriptTypes } from 'node:module';
import type { Candidate } from './mutant-catalog.ts';
import { lineStarts } from './mutant-catalog.ts';

export type Applied =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly why: string };

type Placement = Pick<Candidate, 'line' | 'column' | 'endLine' | 'endColumn' | 'original' | 'replacement'>;

export function applyMutant(source: string, mutant: Placement): Applied {
  const starts = lineStarts(source);
  const start = offsetOf(starts, mutant.line, mutant.column);
  const end = offsetOf(starts, mutant.endLine, mutant.endColumn);
  if (start === undefined || end === undefined || source.slice(start, end) !== mutant.original) {
    return { ok: false, why: `the source at ${mutant.line}:${mutant.column} is not the mutant's original` };
  }
  if (squash(mutant.replacement) === squash(mutant.original)) {
    return { ok: false, why: 'the replacement is the original code' };
  }
  const text = source.slice(0, start) + wrap(mutant.replacement) + source.slice(end);
  const why = strippingError(text);
  return why === undefined ? { ok: true, text } : { ok: false, why };
}

function offsetOf(starts: readonly number[], line: number, column: number): number | undefined {
  const lineStart = starts[line - 1];
  return lineStart === undefined ? undefined : lineStart + column - 1;
}

/** A replacement that is a statement (a removed call is `;`, a block `{}`, a loop, a switch case). */
const STATEMENT = /^(;|\{|(case|default|for|while|do|if|switch|throw|return|break|continue)\b)/;

/**
 * Babel prints the replacement node on its own, without the parentheses its
 * new place may need (`a + b` → `a - b` inside `x * (…)` keeps the outer ones,
 * but `a && b` → `a || b` under a `!` would not): an expression is wrapped.
 * Statements go in as they are.
 */
function wrap(replacement: string): string {
  return STATEMENT.test(replacement.trimStart()) ? replacement : `(${replacement})`;
}

function squash(code: string): string {
  return code.replace(/\s+/g, '').replace(/"/g, "'");
}

/** Why Node could not strip this text's types (a syntax error, a non-erasable construct), or undefined. */
export function strippingError(text: string): string | undefined {
  try {
    stripTypeScriptTypes(text);
    return undefined;
  } catch (error) {
    return `not erasable TypeScript after the edit: ${(error as Error).message.split('\n')[0]}`;
  }
}
