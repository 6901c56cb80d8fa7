// `peakdrill target check`: every declared site asked once, so a config that
// points at nothing is found before a rehearsal, with which site and the fix.
import { Pool } from 'undici';
import type { ExternalConfig } from './external-config.ts';

export interface SiteCheck {
  readonly site: string;
  readonly url: string;
  readonly reachable: boolean;
  /** What answered (status, role), or why nothing did. */
  readonly detail: string;
}

export async function checkSites(config: ExternalConfig, timeoutMs = 3_000): Promise<SiteCheck[]> {
  return Promise.all(
    Object.entries(config.sites).map(async ([site, { url }]) => {
      const base = new URL(url);
      const pool = new Pool(base.origin, { connections: 1, connectTimeout: timeoutMs });
      try {
        // The reference store's API answers /health with its role; any HTTP answer proves the site is there.
        const res = await pool.request({
          path: `${base.pathname.replace(/\/$/, '')}/health`,
          method: 'GET',
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const text = await res.body.text();
        const role = /"role"\s*:\s*"([a-z]+)"/.exec(text)?.[1];
        return {
          site,
          url,
          reachable: true,
          detail: `HTTP ${res.statusCode}${role ? `, role ${role}` : ''}`,
        };
      } catch (error) {
        const e = error as { code?: string; message?: string };
        return { site, url, reachable: false, detail: e.code ?? e.message ?? String(error) };
      } finally {
        await pool.destroy();
      }
    }),
  );
}
