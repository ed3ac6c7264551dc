import type { Express } from 'express';

export interface RouteEntry {
  method: string;
  /** The path as written in the router, with `:params`. */
  path: string;
}

interface LayerLike {
  rawPath?: string | string[] | RegExp;
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

function join(prefix: string, p: string): string {
  const joined = `${prefix}/${p}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** Every route of the app, read from Express's router (mounted routers included). */
export function routeTable(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push({ method: m.toUpperCase(), path: join(prefix, p) });
        }
      } else if (layer.handle?.stack) {
        const raw = layer.rawPath;
        const sub = typeof raw === 'string' && raw !== '/' ? raw : '';
        walk(layer.handle.stack, join(prefix, sub));
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  const seen = new Set<string>();
  return out.filter((r) => {
    const k = `${r.method} ${r.path}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A concrete URL for a route: every `:param` becomes `value` (a number that matches no row by default). */
export function concrete(path: string, value = '987654321'): string {
  return path.replace(/:(\w+)(\([^)]*\))?\??/g, value).replace(/\*\w*/g, 'x');
}
