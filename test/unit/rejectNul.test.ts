import { describe, expect, it } from 'vitest';
import { containsNul } from '../../src/platform/web/rejectNul';

describe('containsNul', () => {
  it('finds NUL in strings, arrays, nested objects and keys', () => {
    expect(containsNul('a\u0000b')).toBe(true);
    expect(containsNul(['x', ['y', 'z\u0000']])).toBe(true);
    expect(containsNul({ a: { b: '\u0000' } })).toBe(true);
    expect(containsNul({ 'k\u0000': 'v' })).toBe(true);
  });
  it('passes ordinary values', () => {
    expect(containsNul({ title: '公告', tags: ['a', 'b'], n: 1, none: null })).toBe(false);
    expect(containsNul(undefined)).toBe(false);
  });
});
