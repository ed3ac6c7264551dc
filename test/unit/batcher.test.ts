import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/platform/batcher';

describe('createBatcher', () => {
  it('sends a lone call at once, and groups calls that arrive while a batch is in flight', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const run = createBatcher(
      async (items: number[]) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
        return items.map((i) => i * 10);
      },
      { maxInFlight: 1 },
    );
    const first = run(1);
    const rest = [run(2), run(3), run(4)];
    expect(batches).toEqual([[1]]);
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails every call of a failed batch, and keeps going', async () => {
    let n = 0;
    const run = createBatcher(async (items: string[]) => {
      if (n++ === 0) throw new Error('database away');
      return items.map((s) => s.toUpperCase());
    });
    await expect(run('a')).rejects.toThrow('database away');
    expect(await run('b')).toBe('B');
  });

  it('splits by the largest batch', async () => {
    const sizes: number[] = [];
    const run = createBatcher(async (items: number[]) => {
      sizes.push(items.length);
      await new Promise((r) => setTimeout(r, 5));
      return items;
    }, { maxBatch: 3, maxInFlight: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => run(i)));
    expect(sizes).toEqual([1, 3, 3, 3]);
  });
});
