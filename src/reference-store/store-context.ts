// What every repository and worker of one store process shares: its pool, its
// region, its defect switches and its logger. Built once by startStore.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DefectSwitches } from './defects.ts';
import type { Region } from './store-config.ts';

export interface StoreContext {
  readonly pool: pg.Pool;
  readonly region: Region;
  readonly defects: DefectSwitches;
  readonly log: Logger;
}
