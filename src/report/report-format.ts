// Words and numbers the three reports share, so junit.xml, summary.md and
// report.html say a measurement, a piece of evidence or a figure the same way;
// and the redaction every rendered file goes through before it is written.
import type { AssertionResult, Verdict } from '../verdict/verdict-schema.ts';

type EvidenceItem = AssertionResult['evidence'][number];
type CheckerResult = Verdict['checkers'][number];

/** A number without float noise: at most 3 decimals, thousands grouped. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const rounded = Math.round(x * 1_000) / 1_000;
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** Milliseconds the way people read them: 850.5 ms, 7.04 s, 65.5 s, 3 min 5 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${formatNumber(Math.round(ms * 10) / 10)} ms`;
  if (abs < 10_000) return `${formatNumber(Math.round(ms / 10) / 100)} s`;
  if (abs < 120_000) return `${formatNumber(Math.round(ms / 100) / 10)} s`;
  const s = Math.round(ms / 1_000);
  return `${Math.trunc(s / 60)} min ${Math.abs(s % 60)} s`;
}

/** Latencies stay in milliseconds whatever their size, so percentiles compare at a glance. */
export function formatLatency(ms: number): string {
  return `${formatNumber(Math.round(ms * 10) / 10)} ms`;
}

/** An assertion's measured value in its own unit, or 'n/a' when nothing was measured. */
export function formatMeasured(a: Pick<AssertionResult, 'measured' | 'unit' | 'figure'>): string {
  if (a.measured === null) return 'n/a';
  const kind = figureKind(a.figure);
  if (kind === 'latency') return formatLatency(a.measured);
  const unit = a.unit ?? kind;
  if (unit === 'ms') return formatMs(a.measured);
  if (unit === 'ratio') return `${formatNumber(a.measured * 100)}%`;
  return formatNumber(a.measured);
}

/**
 * What a figure measures, from its name: a threshold written without a unit
 * ('p(99)<800') still compares milliseconds when the figure is a time. The
 * checkers' durations end in Ms; latency series and the propagation trend are ms.
 */
export function figureKind(figure: string | null): 'ms' | 'latency' | 'ratio' | null {
  if (figure === null || /\.count$/.test(figure) || figure === 'count') return null;
  if (/_errors(\{[^}]*\})?\.rate$/.test(figure)) return 'ratio';
  if (/_latency(\{[^}]*\})?\./.test(figure) || /^(p\([^)]*\)|avg|min|max|med)$/.test(figure))
    return 'latency';
  if (/Ms(\{[^}]*\})?$/.test(figure)) return 'ms';
  return null;
}

/** One evidence item on one line: what, then the ids and times a reader can look up. */
export function formatEvidence(e: EvidenceItem): string {
  const parts: string[] = [];
  if (e.op !== undefined) parts.push(`op ${e.op}`);
  if (e.ops !== undefined && e.ops.length > 0) {
    const shown = e.ops.slice(0, 5).join(', ');
    parts.push(`ops ${shown}${e.ops.length > 5 ? ` (+${e.ops.length - 5} more)` : ''}`);
  }
  if (e.sku !== undefined) parts.push(`SKU ${e.sku}`);
  if (e.store !== undefined) parts.push(`store ${e.store}`);
  if (e.region !== undefined) parts.push(`region ${e.region}`);
  if (e.key !== undefined) parts.push(`key ${e.key}`);
  if (e.atMs !== undefined) parts.push(`at ${formatMs(e.atMs)}`);
  if (e.expected !== undefined) parts.push(`expected ${String(e.expected)}`);
  if (e.actual !== undefined) parts.push(`actual ${String(e.actual)}`);
  return parts.length === 0 ? e.what : `${e.what} — ${parts.join(', ')}`;
}

/**
 * Checkers that found a violation no failed assertion already reports: the
 * verdict fails on them too (invariants are enforced), so every report lists them.
 */
export function unassertedViolations(verdict: Verdict): CheckerResult[] {
  return verdict.checkers.filter(
    (c) => c.valid === false && !verdict.assertions.some((a) => a.checker === c.name && a.result === 'fail'),
  );
}

export interface KeyFigure {
  readonly label: string;
  readonly value: string;
}

/**
 * The few figures an SRE asks for first (RTO, lost acknowledged writes, oversold
 * units, tail latencies), where the checkers measured them.
 */
export function keyFigures(verdict: Verdict): KeyFigure[] {
  const figures = (name: string) => verdict.checkers.find((c) => c.name === name)?.figures;
  const out: KeyFigure[] = [];
  const rto = figures('rto');
  if (rto?.rtoMs !== undefined) {
    const objective = rto.objectiveMs === undefined ? '' : ` (objective ${formatMs(rto.objectiveMs)})`;
    const unrecovered = rto.unrecovered ? `, ${formatNumber(rto.unrecovered)} fault(s) never recovered` : '';
    out.push({ label: 'RTO', value: `${formatMs(rto.rtoMs)}${objective}${unrecovered}` });
  }
  if (rto?.detectionMs !== undefined) out.push({ label: 'Detection', value: formatMs(rto.detectionMs) });
  const lost = figures('lost-acks');
  if (lost?.lostAcks !== undefined) {
    const of = lost.acknowledgedOps === undefined ? '' : ` of ${formatNumber(lost.acknowledgedOps)}`;
    const rpo = lost.lostAcks > 0 && lost.rpoMs !== undefined ? `, RPO ${formatMs(lost.rpoMs)}` : '';
    out.push({ label: 'Lost acknowledged writes', value: `${formatNumber(lost.lostAcks)}${of}${rpo}` });
  }
  const oversell = figures('oversell');
  if (oversell?.oversoldUnits !== undefined) {
    const skus = oversell.oversoldSkus ? ` (${formatNumber(oversell.oversoldSkus)} SKUs)` : '';
    out.push({ label: 'Oversold units', value: `${formatNumber(oversell.oversoldUnits)}${skus}` });
  }
  const slo = figures('slo');
  if (slo !== undefined) {
    for (const key of Object.keys(slo)) {
      const m = /^([a-z0-9_]+)_latency\.p\(99\)$/.exec(key);
      // fleet-wait is the harness's own no-op, not a service the SUT offers.
      if (m === null || m[1] === 'fleet_wait') continue;
      const errors = slo[`${m[1]}_errors.rate`];
      const rate = errors === undefined ? '' : `, errors ${formatNumber(errors * 100)}%`;
      out.push({ label: `${m[1]} p99`, value: `${formatLatency(slo[key]!)}${rate}` });
    }
  }
  const propagation = figures('propagation');
  if (propagation?.['p(99)'] !== undefined)
    out.push({ label: 'Propagation p99', value: formatLatency(propagation['p(99)']) });
  return out;
}

const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY/i;
/** Shorter values would redact ordinary words and numbers all over a report. */
const MIN_SECRET_LENGTH = 6;

/** Values of environment variables whose names say they are secrets (PGPASSWORD, …_TOKEN). */
export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH && SECRET_NAME.test(name)) out.push(value);
  }
  return out;
}

export const REDACTED = '[redacted]';

/**
 * Replaces every known secret, and the password part of any `scheme://user:pass@`
 * URL, so a report can be attached to a PR or a ticket. Runs over the rendered
 * text, after escaping, so it also catches a secret inside an error message.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]+:)[^\s@/"'<>]+@/gi, `$1${REDACTED}@`);
  // Longest first, so a secret that contains another is replaced whole.
  const sorted = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH);
  sorted.sort((a, b) => b.length - a.length);
  for (const secret of sorted) {
    for (const form of secretForms(secret)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** A secret as each report may spell it: raw, XML/HTML-escaped (text or attribute), JSON-escaped. */
function secretForms(secret: string): string[] {
  const text = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const quoted = text.replace(/"/g, '&quot;');
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    ...new Set([
      secret,
      text,
      quoted,
      quoted.replace(/'/g, '&apos;'),
      quoted.replace(/'/g, '&#39;'),
      json,
      json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026'),
    ]),
  ];
}

/** Every string inside `value` (keys too) with the secrets replaced: for data before it is rendered. */
export function redactValue<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecrets(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[redactSecrets(k, secrets)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
