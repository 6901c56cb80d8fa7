import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConfigPath, loadExternalConfig } from './external-config.ts';
import { externalTarget, upstreamOf } from './external-target.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-target-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const YAML = `
name: staging-store
api: reference-store
sites:
  a: { url: "http://10.0.0.5:8080" }
  b:
    url: http://10.0.1.5:8080/api
abilities: [checkout, returns, reset-seed]
`;

describe('external target configs', () => {
  it('reads YAML and JSON alike, with defaults filled in', () => {
    const fromYaml = loadExternalConfig(file('t.yaml', YAML));
    const fromJson = loadExternalConfig(file('t.json', JSON.stringify(fromYaml)));
    expect(fromJson).toEqual(fromYaml);
    expect(fromYaml).toMatchObject({
      name: 'staging-store',
      description: 'an external system under test',
      sites: { a: { url: 'http://10.0.0.5:8080' }, b: { url: 'http://10.0.1.5:8080/api' } },
    });
    expect(['x.json', 'x.yml', 'X.YAML'].map(isConfigPath)).toEqual([true, true, true]);
    expect(isConfigPath('x.ts')).toBe(false);
  });

  it('names every bad field at once, and a file that does not parse by its line', () => {
    const bad = file(
      'bad.yaml',
      'name: Staging Store\napi: graphql\nsites: {}\nabilities: [checkout, teleport]\n',
    );
    const message = (() => {
      try {
        loadExternalConfig(bad);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/name: a lowercase name/);
    expect(message).toMatch(/api: /);
    expect(message).toMatch(/sites: declare at least one site/);
    expect(message).toMatch(/abilities\.1: /);
    expect(() => loadExternalConfig(file('torn.yaml', 'name: [unclosed\n'))).toThrow(
      /torn\.yaml: .*at line 2, column 1/,
    );
  });

  it('declares only its own proxies and sites: faults may name nothing else', () => {
    const target = externalTarget(loadExternalConfig(file('t2.yaml', YAML)), 't2.yaml');
    const declared = target.declaration();
    expect(declared.proxies).toEqual(['edge-a', 'edge-b']);
    expect(declared.processes).toEqual([]);
    expect([...declared.endpoints]).toEqual([
      ['site-a', '10.0.0.5:8080'],
      ['site-b', '10.0.1.5:8080'],
    ]);
    expect(upstreamOf('https://shop.example.com/api')).toBe('shop.example.com:443');
    expect([...target.abilities]).toEqual(['checkout', 'returns', 'reset-seed']);
  });
});
