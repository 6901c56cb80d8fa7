// Only the kafka-publish bench still loads kafkajs, as the peer it is measured
// against. kafkajs 2.2.4 (its last release) schedules a retry timer with a negative
// delay on Node >= 22, which prints a TimeoutNegativeWarning on every
// disconnect. Node clamps the delay to 1 ms, so behaviour is right; the
// warning only buries real output. Drop that one warning and nothing else.
const originalEmitWarning = process.emitWarning.bind(process);

export function silenceKnownWarnings(): void {
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const name =
      typeof warning === 'string'
        ? typeof rest[0] === 'string'
          ? rest[0]
          : (rest[0] as { type?: string } | undefined)?.type
        : warning.name;
    if (name === 'TimeoutNegativeWarning') return;
    (originalEmitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
