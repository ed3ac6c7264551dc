import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import helmet from 'helmet';
import type { Config } from '../../config';
import { chain } from './routers';

// CSP nonces come from a buffered pool of random bytes: one OpenSSL call per 256 nonces.
const pool = Buffer.alloc(4096);
let offset = pool.length;
function nonce(): string {
  if (offset + 16 > pool.length) {
    crypto.randomFillSync(pool);
    offset = 0;
  }
  const value = pool.toString('base64', offset, offset + 16);
  offset += 16;
  return value;
}

/** Stands for the nonce while helmet's headers are worked out once. */
const NONCE_MARK = 'ecpa-nonce-mark-7f3a9c';

/**
 * helmet's headers worked out once at start, not on every response: helmet is run on a
 * stand-in response whose nonce is a marker, and what it sets is then set as is on every
 * response, with the marker in the CSP replaced by that response's own nonce. Every other
 * header is the same on every response, so the answers are byte for byte what helmet gives.
 */
export function precomputed(helmetMiddleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void): express.RequestHandler {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const standIn = {
    locals: { cspNonce: NONCE_MARK },
    setHeader: (name: string, value: unknown) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let failure: unknown = null;
  helmetMiddleware({ headers: {} } as IncomingMessage, standIn as unknown as ServerResponse, (err) => (failure = err ?? null));
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  // In helmet's order; a header naming the nonce is kept as the parts around it.
  const headers = set.map(([name, value]) => ({ name, value, parts: value.includes(NONCE_MARK) ? value.split(NONCE_MARK) : null }));
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    const nonce = res.locals.cspNonce as string;
    for (const h of headers) res.setHeader(h.name, h.parts ? h.parts.join(nonce) : h.value);
    next();
  };
}

/** The security headers: a strict CSP whose script-src carries the response's nonce (`res.locals.cspNonce`). */
export function helmetOptions(config: Pick<Config, 'bridgeOrigin'>): Parameters<typeof helmet>[0] {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as express.Response).locals.cspNonce}'`],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        // The environment check asks the smart-card bridge on the user's PC.
        connectSrc: ["'self'", config.bridgeOrigin],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    // The card bridge's popup (another origin) must keep window.opener to answer.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    referrerPolicy: { policy: 'same-origin' },
  };
}

/** Request id, strict CSP with a per-response nonce, and the other security headers. */
export function setUpWebSecurity(config: Pick<Config, 'bridgeOrigin'>): express.RequestHandler {
  const requestIdAndNonce: express.RequestHandler = (req, res, next) => {
    // The request log (setUpRequestLog) gives the id first; an app without it gets one here.
    if (!req.id) {
      const incoming = req.get('x-request-id');
      req.id = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
      res.setHeader('X-Request-Id', req.id);
    }
    res.locals.cspNonce = nonce();
    next();
  };
  return chain(requestIdAndNonce, precomputed(helmet(helmetOptions(config))));
}
