import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PKCS11_MODULE } from '../platform/pki/softhsm';

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const origin = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s.replace(/\/$/, '');
  } catch {
    return false;
  }
}, 'must be an origin such as https://ecpa.example.gov.tw (scheme, host and port only)');

const schema = z.object({
  BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(61161),
  /** The bridge runs on the user's PC and must never listen beyond the loopback. */
  BRIDGE_HOST: z.literal('127.0.0.1', { error: 'the bridge only listens on 127.0.0.1' }).default('127.0.0.1'),
  PKCS11_MODULE: z.string().min(1).default(DEFAULT_PKCS11_MODULE),
  SOFTHSM2_CONF: z.string().min(1).optional(),
  BRIDGE_ALLOWED_ORIGINS: z
    .string()
    .default('http://localhost:3000')
    .transform(list)
    .pipe(z.array(origin).min(1, 'at least one portal origin')),
  BRIDGE_STATE_FILE: z.string().min(1).default(path.join('.data', 'bridge-state.json')),
  /** The cards "currently in the reader" (token labels or serials); empty = every token. */
  BRIDGE_CARDS: z.string().optional().transform((v) => {
    const l = list(v);
    return l.length ? l : null;
  }),
});

export interface BridgeConfig {
  port: number;
  host: '127.0.0.1';
  modulePath: string;
  softhsmConf: string | null;
  /** Portal origins allowed to use the bridge, normalised (no trailing slash). */
  allowedOrigins: string[];
  stateFile: string;
  /** Token labels or serial numbers treated as inserted; null = all tokens. */
  cards: string[] | null;
}

/** Reads the bridge's environment; throws a readable error when something is wrong. */
export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid bridge configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.BRIDGE_PORT,
    host: e.BRIDGE_HOST,
    // Kept as given: a bare file name is looked up by the dynamic loader.
    modulePath: e.PKCS11_MODULE,
    softhsmConf: e.SOFTHSM2_CONF ? path.resolve(e.SOFTHSM2_CONF) : null,
    allowedOrigins: [...new Set(e.BRIDGE_ALLOWED_ORIGINS.map((o) => new URL(o).origin))],
    stateFile: path.resolve(e.BRIDGE_STATE_FILE),
    cards: e.BRIDGE_CARDS,
  };
}
