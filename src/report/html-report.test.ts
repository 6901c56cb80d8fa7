import { describe, expect, it } from 'vitest';
import { buildVerdict } from '../verdict/verdict.ts';
import { escapeHtml, renderHtmlReport, scriptJson } from './html-report.ts';
import { TimelineBuilder } from './run-timeline.ts';
import { checkResult, failingVerdict, runInfo } from './testing/verdict-fixtures.ts';

const HOSTILE = '</script><script>alert(1)</script><!-- \u2028 & </SCRIPT >';

function timelineWithFault(name: string) {
  const b = new TimelineBuilder();
  b.add({ type: 'run', version: 1, runId: 'r', startedAt: '2025-11-21T17:00:00.000Z', t0: '0' });
  b.add({
    type: 'fault',
    phase: 'start',
    fault: name,
    target: 'a',
    params: { kind: 'partition' },
    atNs: 1e9,
  });
  b.add({ type: 'ok', op: 'r:1', process: 1, f: 'checkout', completedNs: 1.5e9, latencyMs: 12 });
  b.add({ type: 'fault', phase: 'stop', fault: name, target: 'a', atNs: 2e9 });
  b.add({ type: 'probe', probe: 'checkout-probe', region: 'a', ok: true, latencyMs: 3, atNs: 2.5e9 });
  return b.finish();
}

/** The page without the inlined library, which is code, not data. */
function pageOnly(html: string): string {
  return html
    .replace(/<style>\n[\s\S]*?<\/style>/, '<style></style>')
    .replace(/<script>\n[\s\S]*?\n<\/script>/, '<script></script>');
}

describe('renderHtmlReport', () => {
  it('puts the verdict first, then timelines, assertions and checkers', () => {
    const html = renderHtmlReport({
      verdict: failingVerdict(),
      run: runInfo(),
      timeline: timelineWithFault('f'),
    });
    const at = (id: string) => html.indexOf(`<section id="${id}">`);
    expect(at('verdict')).toBeGreaterThan(0);
    expect(at('verdict')).toBeLessThan(at('timelines'));
    expect(at('timelines')).toBeLessThan(at('assertions'));
    expect(at('assertions')).toBeLessThan(at('checkers'));
    expect(html).toContain('<span class="status s-fail">FAIL</span> region-failover');
    expect(html).toContain('<code>ack-before-replication</code>');
    expect(html).toContain('72.3 s');
    // Every assertion with threshold, measured value and result; every checker with its figures.
    expect(html).toContain('<code>&lt;60s</code>');
    expect(html).toContain('acknowledged sale missing — op run-1:1017');
    expect(html).toContain('<strong>idempotency</strong>');
    expect(html).toContain('<dt>duplicateApplies</dt><dd>2</dd>');
  });

  it('inlines uPlot and its CSS, and loads nothing from anywhere', () => {
    const html = renderHtmlReport({ verdict: failingVerdict(), timeline: timelineWithFault('f') });
    expect(html).toMatch(/var uPlot\s*=/);
    expect(html).toContain('.uplot');
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
    const page = pageOnly(html);
    expect(page).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(page).not.toMatch(/\b(src|href)\s*=/i);
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/@import|url\(/);
  });

  it('embeds data so that no value can end the script or open a comment', () => {
    const verdict = buildVerdict({
      scenario: 'flash-sale',
      seed: 1,
      versions: {},
      assertions: { 'oversell.x': '==0' },
      run: { runId: HOSTILE, endStatus: 'completed' },
      results: [
        checkResult('oversell', {
          valid: false,
          figures: { x: 1 },
          evidence: [{ what: HOSTILE, sku: HOSTILE }],
          explanation: HOSTILE,
        }),
      ],
    });
    const timeline = timelineWithFault(HOSTILE);
    const html = renderHtmlReport({ verdict, timeline, notes: [HOSTILE] });
    const page = pageOnly(html);
    // The data script, the library and the chart script: nothing else opens or closes a script.
    expect(page.match(/<script\b/gi)).toHaveLength(3);
    expect(page.match(/<\/script/gi)).toHaveLength(3);
    expect(page).not.toContain('<!--');
    const json = /<script type="application\/json" id="peakdrill-data">(.*?)<\/script>/s.exec(html)![1]!;
    const data = JSON.parse(json) as { timeline: { faults: { name: string }[] } };
    expect(data.timeline.faults[0]!.name).toBe(HOSTILE);
    expect(page).toContain(escapeHtml(HOSTILE));
  });

  it('says so when there is no timeline', () => {
    const html = renderHtmlReport({
      verdict: failingVerdict({ endStatus: 'aborted' }),
      timelineError: 'run-1 holds no history (history.ndjson)',
      notes: ['No state.json: the oracle did not read the final state.'],
    });
    expect(html).toContain('No timeline: run-1 holds no history (history.ndjson).');
    expect(html).toContain('<li>No state.json: the oracle did not read the final state.</li>');
    expect(html).toContain('<span class="status s-error">ERROR</span>');
    expect(html).toContain('error rate above 50% for 10 s');
    expect(html).not.toContain('id="chart-');
  });

  it('redacts secrets in the page but leaves the library alone', () => {
    const html = renderHtmlReport(
      {
        verdict: failingVerdict(),
        run: runInfo({ reason: 'connect postgres://u:hunter2hunter2@db:5432 failed', status: 'error' }),
      },
      { secrets: ['hunter2hunter2'] },
    );
    expect(html).not.toContain('hunter2hunter2');
    expect(html).toContain('postgres://u:[redacted]@db:5432');
  });
});

describe('scriptJson', () => {
  it('round-trips and never contains <, > or &', () => {
    const value = { a: HOSTILE, b: [1, null, 'x'] };
    const text = scriptJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
