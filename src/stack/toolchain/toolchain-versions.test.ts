import { describe, expect, it } from 'vitest';
import { kafkaRelease, TOOLCHAIN } from './toolchain-versions.ts';

describe('kafkaRelease', () => {
  it('is the pinned Kafka 4.x broker unless told otherwise', () => {
    const pinned = kafkaRelease({});
    expect(pinned.version).toBe(TOOLCHAIN.kafka.version);
    expect(Number(pinned.version.split('.')[0])).toBeGreaterThanOrEqual(4);
    expect(pinned.slf4jBackend).toMatch(/log4j-slf4j/);
  });

  it('runs an older tested line, with the logging backend that line needs', () => {
    const old = kafkaRelease({ PEAKDRILL_KAFKA_VERSION: '3.9.1' });
    expect(old).toEqual({ version: '3.9.1', scala: '2.13', slf4jBackend: 'org.slf4j:slf4j-reload4j:1.7.36' });
  });

  it('refuses a version nobody tested, naming the ones that are', () => {
    expect(() => kafkaRelease({ PEAKDRILL_KAFKA_VERSION: '2.8.0' })).toThrow(
      /PEAKDRILL_KAFKA_VERSION=2\.8\.0 is not a Kafka version peakdrill is tested with \(4\.4\.0, 3\.9\.1\)/,
    );
  });
});
