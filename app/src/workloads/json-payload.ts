// Builds `count` items of a typical API payload; serialising them is the measured work.
export interface Item {
  readonly id: number;
  readonly name: string;
  readonly price: number;
  readonly tags: readonly string[];
  readonly inStock: boolean;
  readonly updatedAt: string;
}

const TAGS = ['compute', 'memory', 'storage', 'network', 'latency'];
const EPOCH = Date.UTC(2026, 0, 1);

export function buildItems(count: number): Item[] {
  const items: Item[] = new Array<Item>(count);
  for (let i = 0; i < count; i++) {
    items[i] = {
      id: i + 1,
      name: `item-${i + 1}`,
      price: Math.round(((i * 7919) % 100_000) + 99) / 100,
      tags: [TAGS[i % TAGS.length]!, TAGS[(i + 2) % TAGS.length]!],
      inStock: i % 3 !== 0,
      updatedAt: new Date(EPOCH + i * 60_000).toISOString(),
    };
  }
  return items;
}
