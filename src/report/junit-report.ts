// verdict → junit.xml, so any CI that shows JUnit results shows a run: one
// testsuite per run, one testcase per assertion (named by assertion and
// threshold), one per checker whose violation no failed assertion reports, and
// one for the run itself finishing. Failures carry the explanation and the
// evidence; an assertion that could not be evaluated is an <error>.
import type { RunInfo } from '../run/run-directory.ts';
import type { AssertionResult, Verdict } from '../verdict/verdict-schema.ts';
import { formatEvidence, formatMeasured, formatNumber, unassertedViolations } from './report-format.ts';

interface TestCase {
  readonly name: string;
  readonly classname: string;
  readonly outcome?: { readonly kind: 'failure' | 'error'; readonly type: string; readonly message: string };
  readonly body?: string;
}

export function renderJunitXml(verdict: Verdict, run?: RunInfo): string {
  const suite = `peakdrill.${verdict.scenario}`;
  const cases: TestCase[] = [runCase(verdict, suite)];
  for (const a of verdict.assertions) cases.push(assertionCase(a, suite));
  for (const c of unassertedViolations(verdict)) {
    const evidence = c.evidence.map((e) => `- ${formatEvidence(e)}`);
    cases.push({
      name: `${c.name} invariant (no assertion)`,
      classname: `${suite}.invariants`,
      outcome: { kind: 'failure', type: 'invariant', message: `${c.name}: ${c.explanation}` },
      body: [
        c.explanation,
        '',
        `figures: ${formatFigures(c.figures)}`,
        ...(evidence.length > 0 ? ['', 'evidence:', ...evidence] : []),
      ].join('\n'),
    });
  }
  const failures = cases.filter((c) => c.outcome?.kind === 'failure').length;
  const errors = cases.filter((c) => c.outcome?.kind === 'error').length;
  const seconds = runSeconds(run);
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}"`;
  const time = seconds === undefined ? '' : ` time="${seconds.toFixed(3)}"`;
  const properties: [string, string][] = [
    ['scenario', verdict.scenario],
    ['seed', String(verdict.seed)],
    ['runId', verdict.runId ?? ''],
    ['status', verdict.status],
    ['summary', verdict.summary],
    ['endStatus', verdict.run.endStatus],
  ];
  if (verdict.run.endReason !== undefined) properties.push(['endReason', verdict.run.endReason]);
  if (run !== undefined) {
    properties.push(['defect', run.defect ?? 'none'], ['engine', run.engine], ['speed', String(run.speed)]);
  }
  for (const [k, v] of Object.entries(verdict.versions)) properties.push([`version.${k}`, v]);

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="peakdrill" ${counts}${time}>`,
    `  <testsuite name="${attr(suite)}" ${counts} skipped="0" timestamp="${junitTimestamp(run?.startedAt ?? verdict.generatedAt)}"${time}>`,
    '    <properties>',
    ...properties.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`),
    '    </properties>',
  ];
  for (const c of cases) {
    const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="0"`;
    if (c.outcome === undefined) {
      lines.push(c.body === undefined ? `${open}/>` : `${open}>`);
      if (c.body !== undefined)
        lines.push(`      <system-out>${text(c.body)}</system-out>`, '    </testcase>');
      continue;
    }
    const o = c.outcome;
    lines.push(
      `${open}>`,
      `      <${o.kind} message="${attr(o.message)}" type="${attr(o.type)}">${text(c.body ?? '')}</${o.kind}>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

function runCase(verdict: Verdict, suite: string): TestCase {
  const { endStatus, endReason } = verdict.run;
  const name = 'run finished';
  if (endStatus === 'completed') return { name, classname: `${suite}.run` };
  const message =
    endStatus === 'missing'
      ? 'the run did not finish: its history has no end entry'
      : `the run ended ${endStatus}${endReason === undefined ? '' : `: ${endReason}`}`;
  return {
    name,
    classname: `${suite}.run`,
    outcome: { kind: 'error', type: endStatus, message },
    body: `${message}\n\nA run that did not finish cannot pass; its checker results are partial.\n${verdict.summary}`,
  };
}

function assertionCase(a: AssertionResult, suite: string): TestCase {
  const name = `${a.name} ${a.threshold}`;
  const classname = `${suite}.assertions`;
  const where = a.checker === null ? '' : ` (${a.checker}${a.figure === null ? '' : ` ${a.figure}`})`;
  const measured = `measured ${formatMeasured(a)}${where}`;
  if (a.result === 'pass') return { name, classname, body: `${measured}\n${a.explanation}` };
  const evidence = a.evidence.map((e) => `- ${formatEvidence(e)}`);
  const body = [a.explanation, measured, ...(evidence.length > 0 ? ['', 'evidence:', ...evidence] : [])].join(
    '\n',
  );
  // The verdict's explanation already names the assertion, threshold and measured value.
  if (a.result === 'error')
    return { name, classname, outcome: { kind: 'error', type: 'error', message: a.explanation }, body };
  // unknown fails the verdict like a failed threshold: an assertion that cannot be decided cannot pass.
  const message = a.result === 'unknown' ? `undecided: ${a.explanation}` : a.explanation;
  return { name, classname, outcome: { kind: 'failure', type: a.result, message }, body };
}

function formatFigures(figures: Record<string, number>): string {
  const entries = Object.entries(figures);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}=${formatNumber(v)}`).join(', ');
}

function runSeconds(run: RunInfo | undefined): number | undefined {
  if (run?.endedAt === undefined) return undefined;
  const ms = Date.parse(run.endedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1_000 : undefined;
}

/** The JUnit schema's timestamp has no zone or fraction: UTC, to the second. */
function junitTimestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
}

// XML 1.0 cannot carry most control characters or lone surrogates, even escaped;
// they are dropped rather than letting one odd error message make the file unreadable.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function xmlAttr(s: string): string {
  // Newlines and tabs as references: a parser would otherwise normalize them to spaces.
  return xmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

const text = xmlText;
const attr = xmlAttr;
