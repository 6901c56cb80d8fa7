// The checkout probe for any target: a one-unit checkout of the probe SKU
// through the target's codec, every `everyMs`, each with its own idempotency
// key so a probe never retries into a duplicate. ok when the site sold it.
import { PROBE } from '../model/op-values.ts';
import type { CodecChannel } from '../targets/target-codec.ts';
import type { ProbeResult, ProbeSpec } from './probe-runner.ts';

let sampleSeq = 0;

export function codecCheckoutProbe(options: {
  runId: string;
  site: string;
  channel: CodecChannel;
  checkout: { readonly sku: string; readonly store: string; readonly priceCents: number };
  everyMs: number;
  timeoutMs?: number;
}): ProbeSpec {
  const { runId, site, channel, checkout } = options;
  const timeoutMs = options.timeoutMs ?? Math.max(1_000, options.everyMs * 5);
  return {
    name: PROBE.checkout,
    region: site,
    everyMs: options.everyMs,
    timeoutMs,
    async sample(): Promise<ProbeResult> {
      sampleSeq += 1;
      const idempotencyKey = `${runId}:probe:${site}:${sampleSeq}`;
      const sent = await channel.send({
        op: 'checkout',
        value: {
          idempotencyKey,
          channel: 'web',
          store: checkout.store,
          lines: [{ sku: checkout.sku, qty: 1 }],
          tenders: [{ type: 'card', amountCents: checkout.priceCents }],
        },
        timeoutMs,
      });
      const done = sent.completion;
      const orderId = (done.value as { orderId?: string } | undefined)?.orderId;
      return done.type === 'ok' && orderId !== undefined
        ? { ok: true, value: { sku: checkout.sku, orderId } }
        : { ok: false, value: { sku: checkout.sku, error: done.error?.code ?? done.type } };
    },
  };
}
