// Which reference-store business modules the mutation sample mutates, grouped
// by business area, and the built-in scenario that exercises each area. The
// groups are the strata of the sample: each gets its share of the mutants.
// Every group is kept even where detection is weak: its survivors are the
// measurement, not noise to hide. (The outbox's output, `inventory-events`, is
// judged by the event-stream checker.)

export interface ModuleGroup {
  /** The name `--only` takes. */
  readonly name: string;
  /** The built-in scenario whose traffic and faults reach this code. */
  readonly scenario: string;
  /** Paths relative to the repository root. */
  readonly files: readonly string[];
}

const STORE = 'src/reference-store';

export const MODULE_GROUPS: readonly ModuleGroup[] = [
  {
    name: 'checkout',
    scenario: 'flash-sale',
    files: [
      `${STORE}/checkout-repository.ts`,
      `${STORE}/stock-repository.ts`,
      `${STORE}/idempotency-repository.ts`,
      `${STORE}/ledger-repository.ts`,
    ],
  },
  {
    name: 'returns',
    scenario: 'returns-under-failover',
    files: [`${STORE}/return-repository.ts`, `${STORE}/refund-allocation.ts`, `${STORE}/exchange-sale.ts`],
  },
  { name: 'offline-sync', scenario: 'store-offline', files: [`${STORE}/offline-sync-repository.ts`] },
  { name: 'webhooks', scenario: 'webhook-storm', files: [`${STORE}/webhook-repository.ts`] },
  {
    name: 'scans',
    scenario: 'cycle-count',
    files: [`${STORE}/scan-repository.ts`, `${STORE}/scan-consumer.ts`],
  },
  { name: 'failover', scenario: 'region-failover', files: [`${STORE}/failover-controller.ts`] },
  // The relay's dangerous path is a restart or a region loss mid-publish.
  { name: 'outbox', scenario: 'region-failover', files: [`${STORE}/outbox-relay.ts`] },
];

/** The group a file belongs to, or undefined when the sample does not mutate it. */
export function groupOfFile(file: string): ModuleGroup | undefined {
  return MODULE_GROUPS.find((g) => g.files.includes(file));
}

/**
 * The groups `--only` selects: a group name (`returns`) or a file's base name
 * with or without `.ts` (`refund-allocation`), which narrows its group to that file.
 * Throws naming the choices when a name matches nothing.
 */
export function selectGroups(only: readonly string[] | undefined): ModuleGroup[] {
  if (only === undefined || only.length === 0) return [...MODULE_GROUPS];
  const picked = new Map<string, Set<string>>();
  for (const name of only) {
    const byGroup = MODULE_GROUPS.find((g) => g.name === name);
    const files = byGroup
      ? byGroup.files
      : MODULE_GROUPS.flatMap((g) => g.files).filter((f) => baseName(f) === name.replace(/\.ts$/, ''));
    if (files.length === 0) {
      const choices = [
        ...MODULE_GROUPS.map((g) => g.name),
        ...MODULE_GROUPS.flatMap((g) => g.files.map(baseName)),
      ];
      throw new Error(`--only ${name}: no such module group or file; choose among ${choices.join(', ')}`);
    }
    for (const file of files) {
      const group = groupOfFile(file)!;
      const set = picked.get(group.name) ?? new Set<string>();
      set.add(file);
      picked.set(group.name, set);
    }
  }
  return MODULE_GROUPS.filter((g) => picked.has(g.name)).map((g) => ({
    ...g,
    files: g.files.filter((f) => picked.get(g.name)!.has(f)),
  }));
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1).replace(/\.ts$/, '');
}
