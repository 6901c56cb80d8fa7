import { describe, expect, it } from 'vitest';
import { buildVerdict } from '../verdict/verdict.ts';
import { code, md, renderSummaryMarkdown } from './summary-report.ts';
import { checkResult, failingVerdict, passingVerdict, runInfo } from './testing/verdict-fixtures.ts';

describe('renderSummaryMarkdown', () => {
  it('opens with the status line', () => {
    const text = renderSummaryMarkdown(failingVerdict(), { run: runInfo() });
    expect(text.split('\n')[0]).toBe('## ❌ peakdrill FAIL: region-failover (seed 42)');
    expect(renderSummaryMarkdown(passingVerdict()).split('\n')[0]).toBe(
      '## ✅ peakdrill PASS: flash-sale (seed 7)',
    );
  });

  it('tables every assertion with threshold, measured value in its unit, and result', () => {
    const text = renderSummaryMarkdown(failingVerdict());
    expect(text).toContain('| Assertion | Threshold | Measured | Result |');
    expect(text).toContain('| rto | `<60s` | 72.3 s | ❌ fail |');
    expect(text).toContain('| lost\\_acks | `==0` | 3 | ❌ fail |');
    // 'p(99)<800' has no unit but a latency figure is milliseconds.
    expect(text).toContain('| checkout\\_latency | `p(99)<800` | 640.5 ms | ✅ pass |');
  });

  it('gives the figures that matter and the first evidence of each failure', () => {
    const text = renderSummaryMarkdown(failingVerdict(), { maxEvidence: 2 });
    expect(text).toContain('| RTO | 72.3 s (objective 60 s) |');
    expect(text).toContain('| Lost acknowledged writes | 3 of 2,950, RPO 180 ms |');
    expect(text).toContain('| Oversold units | 0 |');
    expect(text).toContain('| checkout p99 | 640.5 ms, errors 2.1% |');
    expect(text).toContain(
      '- acknowledged sale missing — op run-1:1017, SKU SKU-0001, store S001, region b, at 20 s',
    );
    expect(text).toContain('- … 1 more in report.html');
    expect(text).not.toContain('run-1:1021');
    expect(text).toContain('**idempotency — violation (no assertion)**: 2 webhook events applied twice');
  });

  it('says how the run went and where to look next', () => {
    const text = renderSummaryMarkdown(failingVerdict(), { run: runInfo(), runDir: 'reports/run-1' });
    expect(text).toContain(
      'defect `ack-before-replication` · engine node · speed 10× · took 65.5 s · run completed',
    );
    expect(text).toContain('`reports/run-1/report.html`');
    expect(text).toContain('`peakdrill check reports/run-1`');
    const aborted = renderSummaryMarkdown(failingVerdict({ endStatus: 'aborted' }));
    expect(aborted.split('\n')[0]).toContain('ERROR');
    expect(aborted).toContain('**run aborted**: error rate above 50% for 10 s');
  });

  it('names the target and lists the traffic it could not carry as not exercised', () => {
    const verdict = {
      ...passingVerdict(),
      target: 'vendure',
      notExercised: [
        { op: 'webhook', ops: 78, why: 'vendure has no marketplace-webhooks' },
        { op: 'read-stock', why: 'vendure has no stock-reads: web shoppers skip browsing' },
      ],
    };
    const text = renderSummaryMarkdown(verdict, { run: runInfo() });
    expect(text).toContain('target `vendure` · engine node');
    expect(text).toContain('- **not exercised**: `webhook` (78 ops): vendure has no marketplace-webhooks');
    expect(text).toContain('- **not exercised**: `read-stock`: vendure has no stock-reads');
  });

  it('keeps data from breaking out of the markdown (no HTML, links or table cells from evidence)', () => {
    const verdict = buildVerdict({
      scenario: 'flash-sale',
      seed: 1,
      versions: {},
      assertions: { 'oversell.x': '==0' },
      run: { runId: 'r', endStatus: 'completed' },
      results: [
        checkResult('oversell', {
          valid: false,
          figures: { x: 1 },
          evidence: [{ what: '<img src=x onerror=alert(1)> [link](http://evil) a|b\n# heading' }],
          explanation: 'x',
        }),
      ],
    });
    const text = renderSummaryMarkdown(verdict);
    expect(text).toContain('\\<img src=x onerror=alert(1)\\> \\[link\\](http://evil) a\\|b \\# heading');
    expect(text).not.toMatch(/(^|[^\\])<img/);
  });

  it('says so when a scenario asserts nothing', () => {
    const verdict = buildVerdict({
      scenario: 's',
      seed: 1,
      versions: {},
      assertions: {},
      run: { runId: 'r', endStatus: 'completed' },
      results: [],
    });
    expect(renderSummaryMarkdown(verdict)).toContain('declares no assertions');
  });
});

describe('markdown helpers', () => {
  it('escapes markdown and fences code spans around backticks', () => {
    expect(md('a_b*c')).toBe('a\\_b\\*c');
    expect(code('p(99)<800')).toBe('`p(99)<800`');
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x`')).toBe('`` `x` ``');
    expect(code('a|b', true)).toBe('`a\\|b`');
  });
});
