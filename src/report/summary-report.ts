// verdict (+ run.json) → summary.md, for a CI step summary or a PR comment:
// the status line first, then the assertions table, the first evidence of each
// failure, the figures that matter and where to look next. Short by design
// (GitHub caps a comment at 65,536 characters): report.html holds the rest.
import type { RunInfo } from '../run/run-directory.ts';
import { rollbackLine } from '../verdict/rollback-decision.ts';
import type { Verdict } from '../verdict/verdict-schema.ts';
import {
  formatEvidence,
  formatMeasured,
  formatMs,
  keyFigures,
  unassertedViolations,
} from './report-format.ts';

export interface SummaryOptions {
  readonly run?: RunInfo | undefined;
  /** The run directory as the reader should type it (relative to the repository, say). */
  readonly runDir?: string | undefined;
  /** Evidence items shown per failure (default 5). */
  readonly maxEvidence?: number;
  /** Failures given a section of their own (default 20). */
  readonly maxFailures?: number;
}

const STATUS_MARK: Record<Verdict['status'], string> = { pass: '✅', fail: '❌', error: '⚠️' };
const RESULT_MARK: Record<string, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  unknown: '❔ unknown',
  error: '⚠️ error',
};

export function renderSummaryMarkdown(verdict: Verdict, options: SummaryOptions = {}): string {
  const { run } = options;
  const maxEvidence = options.maxEvidence ?? 5;
  const maxFailures = options.maxFailures ?? 20;
  const out: string[] = [];
  out.push(
    `## ${STATUS_MARK[verdict.status]} peakdrill ${verdict.status.toUpperCase()}: ${md(verdict.scenario)} (seed ${verdict.seed})`,
    '',
    md(verdict.summary),
    '',
  );
  if (verdict.rollback !== undefined) out.push(`**${md(rollbackLine(verdict.rollback))}**`, '');
  const facts: string[] = [];
  if (verdict.runId !== null) facts.push(`run ${code(verdict.runId)}`);
  if (run !== undefined) {
    if (verdict.target !== undefined && verdict.target !== 'reference-store')
      facts.push(`target ${code(verdict.target)}`);
    else facts.push(run.defect === null ? 'correct store' : `defect ${code(run.defect)}`);
    facts.push(`engine ${run.engine}`, `speed ${run.speed}×`);
    if (run.endedAt !== undefined) {
      const ms = Date.parse(run.endedAt) - Date.parse(run.startedAt);
      if (Number.isFinite(ms)) facts.push(`took ${formatMs(ms)}`);
    }
  }
  facts.push(
    verdict.run.endStatus === 'completed'
      ? 'run completed'
      : `**run ${verdict.run.endStatus}**${verdict.run.endReason === undefined ? '' : `: ${md(verdict.run.endReason)}`}`,
  );
  out.push(facts.join(' · '), '');
  for (const n of verdict.notExercised ?? [])
    out.push(
      `- **not exercised**: ${code(n.op)}${n.ops === undefined ? '' : ` (${n.ops} ops)`}: ${md(n.why)}`,
    );
  if ((verdict.notExercised ?? []).length > 0) out.push('');

  if (verdict.assertions.length > 0) {
    out.push('| Assertion | Threshold | Measured | Result |', '|---|---|---|---|');
    for (const a of verdict.assertions) {
      out.push(
        `| ${cell(a.name)} | ${code(a.threshold, true)} | ${cell(formatMeasured(a))} | ${RESULT_MARK[a.result] ?? a.result} |`,
      );
    }
    out.push('');
  } else {
    out.push('_The scenario declares no assertions; only the checkers judged this run._', '');
  }

  const figures = keyFigures(verdict);
  if (figures.length > 0) {
    out.push('| Figure | Value |', '|---|---|');
    for (const f of figures) out.push(`| ${cell(f.label)} | ${cell(f.value)} |`);
    out.push('');
  }

  const failures: {
    title: string;
    explanation: string;
    evidence: readonly Verdict['checkers'][number]['evidence'][number][];
  }[] = [];
  for (const a of verdict.assertions) {
    if (a.result === 'pass') continue;
    failures.push({
      title: `${md(a.name)} ${code(a.threshold)} — ${a.result}`,
      explanation: a.explanation,
      evidence: a.evidence,
    });
  }
  for (const c of unassertedViolations(verdict)) {
    failures.push({
      title: `${md(c.name)} — violation (no assertion)`,
      explanation: c.explanation,
      evidence: c.evidence,
    });
  }
  if (failures.length > 0) {
    out.push('### What failed', '');
    for (const f of failures.slice(0, maxFailures)) {
      out.push(`**${f.title}**: ${md(f.explanation)}`);
      for (const e of f.evidence.slice(0, maxEvidence)) out.push(`- ${md(formatEvidence(e))}`);
      if (f.evidence.length > maxEvidence)
        out.push(`- … ${f.evidence.length - maxEvidence} more in report.html`);
      out.push('');
    }
    if (failures.length > maxFailures)
      out.push(`… and ${failures.length - maxFailures} more in report.html`, '');
  }

  const dir = options.runDir ?? (verdict.runId === null ? '<run-dir>' : `reports/${verdict.runId}`);
  out.push(
    '### Where to look',
    '',
    `- report (charts, every assertion and checker): ${code(`${dir}/report.html`)}`,
    `- verdict: ${code(`${dir}/verdict.json`)} · JUnit: ${code(`${dir}/junit.xml`)} · history: ${code(`${dir}/history.ndjson`)} · logs: ${code(`${dir}/logs/`)}`,
    `- judge it again after a checker change: ${code(`peakdrill check ${dir}`)}`,
    '',
  );
  return out.join('\n');
}

/** Markdown text that renders as written: no emphasis, links, HTML or table breaks from data. */
export function md(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/([\\`*_[\]<>|#~!&])/g, '\\$1');
}

function cell(s: string): string {
  return md(s);
}

/** An inline code span that holds any text, backticks included. */
export function code(s: string, inTable = false): string {
  const text = s.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  // A | ends a table cell even inside a code span in GFM; there (only) its escape is honoured.
  return `${fence}${pad}${inTable ? text.replace(/\|/g, '\\|') : text}${pad}${fence}`;
}
