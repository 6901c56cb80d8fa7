import { describe, expect, it } from 'vitest';
import { isPeakdrillError } from '../model/errors.ts';
import { parseStoreConfig, storeConfig, storeEnv } from './store-config.ts';

const env = {
  PEAKDRILL_STORE_REGION: 'b',
  PEAKDRILL_STORE_PORT: '8081',
  PEAKDRILL_STORE_PG_URL: 'postgres://peakdrill:secret@127.0.0.1:5433/peakdrill',
  PEAKDRILL_STORE_PEER_URL: 'http://127.0.0.1:8080',
  PEAKDRILL_STORE_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  PEAKDRILL_STORE_DEFECT: 'slow-failover',
};

describe('parseStoreConfig', () => {
  it('reads every variable, with defaults for the optional ones', () => {
    expect(parseStoreConfig(env)).toEqual({
      region: 'b',
      host: '127.0.0.1',
      port: 8081,
      pgUrl: env.PEAKDRILL_STORE_PG_URL,
      peerUrl: 'http://127.0.0.1:8080',
      kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
      role: 'standby',
      defect: 'slow-failover',
      failover: 'auto',
      failoverDetectionMs: 3_000,
      pgPoolSize: 24,
      logLevel: 'warn',
    });
  });

  it('starts region a as the primary unless told otherwise', () => {
    expect(parseStoreConfig({ ...env, PEAKDRILL_STORE_REGION: 'a' }).role).toBe('primary');
    expect(
      parseStoreConfig({ ...env, PEAKDRILL_STORE_REGION: 'a', PEAKDRILL_STORE_ROLE: 'standby' }).role,
    ).toBe('standby');
  });

  it('treats empty defect, peer and brokers as none', () => {
    const config = parseStoreConfig({
      ...env,
      PEAKDRILL_STORE_DEFECT: '',
      PEAKDRILL_STORE_PEER_URL: '',
      PEAKDRILL_STORE_KAFKA_BROKERS: '',
    });
    expect(config.defect).toBeUndefined();
    expect(config.peerUrl).toBeUndefined();
    expect(config.kafkaBrokers).toEqual([]);
  });

  it('names every bad variable in one error', () => {
    let caught: unknown;
    try {
      parseStoreConfig({
        ...env,
        PEAKDRILL_STORE_REGION: 'c',
        PEAKDRILL_STORE_PORT: 'eighty',
        PEAKDRILL_STORE_DEFECT: 'typo',
      });
    } catch (error) {
      caught = error;
    }
    expect(isPeakdrillError(caught) && caught.code).toBe('PEAKDRILL_ERR_USAGE');
    const message = (caught as Error).message;
    for (const name of ['PEAKDRILL_STORE_REGION', 'PEAKDRILL_STORE_PORT', 'PEAKDRILL_STORE_DEFECT'])
      expect(message).toContain(name);
  });

  it('requires a postgres URL and host:port brokers', () => {
    expect(() => parseStoreConfig({ ...env, PEAKDRILL_STORE_PG_URL: 'http://x' })).toThrow(
      /PEAKDRILL_STORE_PG_URL/,
    );
    expect(() => parseStoreConfig({ ...env, PEAKDRILL_STORE_KAFKA_BROKERS: 'kafka' })).toThrow(
      /PEAKDRILL_STORE_KAFKA_BROKERS/,
    );
  });
});

describe('storeEnv', () => {
  it('round-trips through parseStoreConfig', () => {
    const config = parseStoreConfig(env);
    expect(parseStoreConfig(storeEnv(config))).toEqual(config);
    const fromFields = storeConfig({
      region: 'a',
      pgUrl: env.PEAKDRILL_STORE_PG_URL,
      defect: 'oversell-race',
    });
    expect(parseStoreConfig(storeEnv(fromFields))).toEqual(fromFields);
  });
});
