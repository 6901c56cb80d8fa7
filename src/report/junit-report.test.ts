import { describe, expect, it } from 'vitest';
import { buildVerdict } from '../verdict/verdict.ts';
import { renderJunitXml, xmlAttr, xmlText } from './junit-report.ts';
import { checkResult, failingVerdict, passingVerdict, runInfo } from './testing/verdict-fixtures.ts';
import { findAll, parseWellFormedXml } from './testing/xml-well-formed.ts';

const cases = (xml: string) => findAll(parseWellFormedXml(xml), 'testcase');

describe('renderJunitXml', () => {
  it('writes one testsuite with one testcase per assertion, named by assertion and threshold', () => {
    const xml = renderJunitXml(failingVerdict(), runInfo());
    const root = parseWellFormedXml(xml);
    expect(root.name).toBe('testsuites');
    const suites = findAll(root, 'testsuite');
    expect(suites).toHaveLength(1);
    expect(suites[0]!.attributes.name).toBe('peakdrill.region-failover');
    const names = cases(xml).map((c) => c.attributes.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'rto <60s',
        'lost_acks ==0',
        'checkout_latency p(99)<800',
        'oversold_units ==0',
      ]),
    );
    expect(suites[0]!.attributes.time).toBe('65.500');
  });

  it('puts explanation and evidence in the failure, and passes what passed', () => {
    const all = cases(renderJunitXml(failingVerdict(), runInfo()));
    const rto = all.find((c) => c.attributes.name === 'rto <60s')!;
    const failure = findAll(rto, 'failure')[0]!;
    expect(failure.attributes.message).toContain('72.3 s');
    expect(failure.text).toContain('beyond the 60 s objective');
    expect(failure.text).toContain('recovered after the objective — region b');
    const lost = all.find((c) => c.attributes.name === 'lost_acks ==0')!;
    expect(findAll(lost, 'failure')[0]!.text).toContain('op run-1:1017, SKU SKU-0001, store S001');
    // Escaped on the way out, intact on the way back in.
    expect(findAll(lost, 'failure')[0]!.text).toContain('SKU SKU-<&>"');
    const p99 = all.find((c) => c.attributes.name === 'checkout_latency p(99)<800')!;
    expect(findAll(p99, 'failure')).toHaveLength(0);
    expect(findAll(p99, 'error')).toHaveLength(0);
  });

  it('adds a testcase for a checker that found a violation no assertion covers', () => {
    const xml = renderJunitXml(failingVerdict());
    const idem = cases(xml).find((c) => c.attributes.name === 'idempotency invariant (no assertion)')!;
    expect(idem).toBeDefined();
    expect(findAll(idem, 'failure')[0]!.text).toContain('webhook applied twice — SKU SKU-0003, key evt-77');
    // rto is reported by its failed assertion, not a second time as an invariant.
    expect(cases(xml).some((c) => c.attributes.name === 'rto invariant (no assertion)')).toBe(false);
    const suite = findAll(parseWellFormedXml(xml), 'testsuite')[0]!;
    expect(suite.attributes.failures).toBe('3');
    expect(suite.attributes.errors).toBe('0');
    expect(suite.attributes.tests).toBe('6');
  });

  it('reports an assertion that could not be evaluated, and an unfinished run, as <error>', () => {
    const verdict = buildVerdict({
      scenario: 'flash-sale',
      seed: 1,
      versions: {},
      assertions: { rto: '<60s', no_such_thing: '==0' },
      run: { runId: 'r', endStatus: 'aborted', endReason: 'SIGINT' },
      results: [checkResult('rto', { figures: { rtoMs: 10 } })],
    });
    const all = cases(renderJunitXml(verdict));
    const bad = all.find((c) => c.attributes.name === 'no_such_thing ==0')!;
    expect(findAll(bad, 'error')[0]!.attributes.message).toContain('no such measurement');
    const run = all.find((c) => c.attributes.name === 'run finished')!;
    expect(findAll(run, 'error')[0]!.attributes.message).toBe('the run ended aborted: SIGINT');
  });

  it('passes a passing run with no failure or error anywhere', () => {
    const xml = renderJunitXml(passingVerdict());
    const root = parseWellFormedXml(xml);
    expect(findAll(root, 'failure')).toHaveLength(0);
    expect(findAll(root, 'error')).toHaveLength(0);
    expect(root.attributes.tests).toBe('2');
  });

  it('stays well-formed whatever the checkers wrote: markup, quotes, control characters, lone surrogates', () => {
    const nasty = 'a<b>&c"d\'e]]>\u0000\u0007\u001b[31m\ud800 </testcase><!-- \n\ttab';
    const verdict = buildVerdict({
      scenario: 'flash-sale',
      seed: 1,
      versions: { [nasty]: nasty },
      assertions: { 'oversell.x': '==0' },
      run: { runId: nasty, endStatus: 'completed' },
      results: [
        checkResult('oversell', {
          valid: false,
          figures: { x: 1 },
          evidence: [{ what: nasty, sku: nasty, actual: nasty }],
          explanation: nasty,
        }),
      ],
    });
    const xml = renderJunitXml(verdict);
    const root = parseWellFormedXml(xml);
    const failure = findAll(root, 'failure')[0]!;
    expect(failure.text).toContain('a<b>&c"d\'e]]>');
    expect(failure.attributes.message).toContain('\n\ttab');
  });
});

describe('xml escaping', () => {
  it('escapes text and attributes', () => {
    expect(xmlText('<a & b>')).toBe('&lt;a &amp; b&gt;');
    expect(xmlAttr(`"x"\n'y'`)).toBe('&quot;x&quot;&#10;&apos;y&apos;');
    expect(xmlText('ok\u0001\ud83d\ude00')).toBe('ok\ud83d\ude00');
  });
});
