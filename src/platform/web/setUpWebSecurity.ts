import crypto from 'node:crypto';
import express, { type Router } from 'express';
import helmet from 'helmet';
import type { Config } from '../../config';

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

/** Request id, strict CSP with a per-response nonce, and the other security headers. */
export function setUpWebSecurity(config: Pick<Config, 'bridgeOrigin'>): Router {
  const router = express.Router();
  router.use((req, res, next) => {
    // The request log (setUpRequestLog) gives the id first; an app without it gets one here.
    if (!req.id) {
      const incoming = req.get('x-request-id');
      req.id = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
      res.setHeader('X-Request-Id', req.id);
    }
    res.locals.cspNonce = nonce();
    next();
  });
  router.use(
    helmet({
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
    }),
  );
  return router;
}
