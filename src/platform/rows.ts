/** `snake_case` → `camelCase`. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * A database row with its columns named the TypeScript way (`to_address` → `toAddress`):
 * repositories map what they read with it, so services and views see camelCase only.
 */
export function camelCased<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[camelCase(k)] = v;
  return out as T;
}
