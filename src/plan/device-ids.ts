// Device ids of a replay plan (the ops' `process`): `<kind>:<…>`, e.g.
// `pos:S001:lane-2`, `web:shopper-17`, `rfid:S003:reader-1`, `webhook:marketplace-x`.
// The scheduler renames a device after an `info` (`pos:S001:lane-2#1`); deviceOf() undoes it.

export const DEVICE_KINDS = ['pos', 'web', 'rfid', 'scanner', 'webhook'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** The device behind a (possibly renamed) process id. */
export function deviceOf(process: string | number): string {
  const text = String(process);
  const hash = text.lastIndexOf('#');
  return hash === -1 ? text : text.slice(0, hash);
}

/** `pos`, `web`, … — the part before the first colon. */
export function deviceKindOf(device: string): string {
  const colon = device.indexOf(':');
  return colon === -1 ? device : device.slice(0, colon);
}

/**
 * FNV-1a of the process id modulo `count`: the same split as splitPlanByDevice
 * (src/engines/worker-pool-engine.ts), so a planner shard and a worker shard agree.
 */
export function shardIndexOf(process: string | number, count: number): number {
  const text = String(process);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}

/** `S001-L02` → `lane-2`; any other terminal id is kept as it is. */
export function laneOf(terminal: string | undefined): string {
  if (terminal === undefined) return 'lane-1';
  const m = /(?:^|[-_:])L(?:ANE)?-?0*(\d+)$/i.exec(terminal);
  return m ? `lane-${m[1]}` : terminal;
}

export function posDevice(store: string, terminal: string | undefined): string {
  return `pos:${store}:${laneOf(terminal)}`;
}

export function webDevice(shopper: number): string {
  return `web:shopper-${shopper}`;
}

export function rfidDevice(store: string, reader: string): string {
  return `rfid:${store}:${reader}`;
}

export function scannerDevice(store: string, scanner: string): string {
  return `scanner:${store}:${scanner}`;
}

export function webhookDevice(marketplace: string): string {
  return `webhook:${marketplace}`;
}

/** The store part of a `pos:`, `rfid:` or `scanner:` device id (undefined for others). */
export function storeOfDevice(device: string): string | undefined {
  const parts = device.split(':');
  return parts.length >= 3 ? parts[1] : undefined;
}

/** The part after the store: `lane-2`, `reader-1`, … */
export function localIdOfDevice(device: string): string {
  const parts = device.split(':');
  return parts.slice(2).join(':') || device;
}
