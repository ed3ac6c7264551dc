import type { Db } from '../database';
import type { Logger } from '../logger';
import type { CardType } from './profiles';
import type { Crl } from './crl';
import { parseCrlOffThread } from './crlThread';
import { createCrlRepository } from './crlRepository';
import type { TrustStore } from './verify';

/** Larger than any published CRL we know of (a 500 000-entry CRL is about 19 MB). */
const MAX_CRL_BYTES = 64 * 1024 * 1024;
/** Clocks differ a little: a thisUpdate up to this far ahead is accepted. */
const CLOCK_SKEW_MS = 5 * 60_000;

export type FetchResult = 'stored' | 'unchanged' | 'older' | 'unreachable' | 'http_error' | 'too_large' | 'malformed' | 'wrong_issuer' | 'bad_signature' | 'future' | 'no_ca';

/**
 * The CRLs kept fresh by the portal: a scheduled job downloads each CA's CRL (CRL_URLS),
 * checks it (parses, names the CA, carries the CA's signature over its original bytes, is
 * not older than the one in use) and stores it in `pki_crl`; every instance polls that
 * table and swaps a new CRL into its trust store, parsing and checking it in a worker thread
 * (crlThread.ts), off the request path and off the event loop. The downloads run once per period across instances; the swap happens on each.
 */
export function createCrlRefresh(deps: {
  db: Db;
  logger: Logger;
  sources: readonly { type: CardType; url: string }[];
  timeoutMs: number;
  trust: () => TrustStore;
  /** A new CRL was loaded: the holder rebuilds its trust store with it. */
  onLoaded: (crls: Crl[]) => void;
  onFetched?: (ca: CardType, result: FetchResult) => void;
  clock?: () => Date;
}) {
  const repo = createCrlRepository(deps.db);
  const clock = deps.clock ?? (() => new Date());
  const loaded = new Map<string, Crl>();

  async function download(url: string): Promise<Buffer | FetchResult> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(deps.timeoutMs), redirect: 'follow' });
    } catch {
      return 'unreachable';
    }
    if (!res.ok || !res.body) return 'http_error';
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_CRL_BYTES) {
      await res.body.cancel().catch(() => {});
      return 'too_large';
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > MAX_CRL_BYTES) return 'too_large';
        chunks.push(Buffer.from(chunk));
      }
    } catch {
      return 'unreachable';
    }
    return Buffer.concat(chunks);
  }

  /** Downloads, checks and stores one CA's CRL. */
  async function fetchOne(type: CardType, url: string): Promise<FetchResult> {
    const ca = deps.trust().caOf(type);
    if (!ca) return 'no_ca';
    const body = await download(url);
    if (typeof body === 'string') return body;
    // Parsed and its signature checked in a worker thread: the event loop stays free meanwhile.
    let crl: Crl;
    let verified: boolean | null;
    try {
      ({ crl, verified } = await parseCrlOffThread(body, ca.key));
    } catch {
      return 'malformed';
    }
    if (!crl.issuerDer.equals(ca.subject)) return 'wrong_issuer';
    if (!verified) return 'bad_signature';
    if (crl.thisUpdate.getTime() > clock().getTime() + CLOCK_SKEW_MS) return 'future';
    if (ca.crl && crl.thisUpdate < ca.crl.thisUpdate) return 'older';
    if (ca.crl?.sha256 === crl.sha256) return 'unchanged';
    const der = body.subarray(0, 11).toString('latin1').startsWith('-----BEGIN') ? null : body;
    const stored = await repo.store({
      ca: type,
      der: der ?? Buffer.from(body.toString('latin1').replace(/-----[A-Z0-9 ]+-----|\s+/g, ''), 'base64'),
      sha256: crl.sha256,
      thisUpdate: crl.thisUpdate,
      nextUpdate: crl.nextUpdate,
      entries: crl.revokedSerials.size,
      sourceUrl: url,
    });
    return stored ? 'stored' : 'unchanged';
  }

  return {
    /** The scheduled job: every configured CA, one after the other; what each gave. */
    async refresh(): Promise<Record<string, FetchResult>> {
      const out: Record<string, FetchResult> = {};
      for (const { type, url } of deps.sources) {
        const result = await fetchOne(type, url);
        out[type] = result;
        deps.onFetched?.(type, result);
        if (result === 'stored' || result === 'unchanged') deps.logger.info({ ca: type, result }, 'CRL fetched');
        else deps.logger.warn({ ca: type, result, url }, 'CRL not taken');
      }
      // This instance takes what it stored at once; the others on their next poll.
      await this.sync();
      return out;
    },
    /**
     * Loads CRLs stored since the last look (by any instance): parsed and checked here,
     * then handed over in one piece (the trust store is swapped, never changed in place).
     */
    async sync(): Promise<number> {
      const stamps = await repo.stamps();
      let changed = 0;
      for (const [ca, sha] of stamps) {
        if (loaded.get(ca)?.sha256 === sha) continue;
        const row = await repo.load(ca);
        if (!row) continue;
        try {
          const trusted = deps.trust().caOf(ca as CardType);
          // Parsed and checked in a worker thread; swapped in below, all CRLs in one piece.
          const { crl, verified } = await parseCrlOffThread(row.der, trusted?.key);
          if (!trusted || !crl.issuerDer.equals(trusted.subject) || !verified) {
            deps.logger.warn({ ca }, 'stored CRL not signed by the trusted CA: ignored');
            continue;
          }
          loaded.set(ca, crl);
          changed++;
        } catch (err) {
          deps.logger.warn({ ca, err: (err as Error).message }, 'stored CRL does not parse: ignored');
        }
      }
      if (changed) deps.onLoaded([...loaded.values()]);
      return changed;
    },
    /** The downloaded CRLs this instance holds. */
    loaded: () => [...loaded.values()],
  };
}

export type CrlRefresh = ReturnType<typeof createCrlRefresh>;
