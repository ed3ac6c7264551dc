import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { helmetOptions, precomputed, setUpWebSecurity } from '../../src/platform/web/setUpWebSecurity';

const config = { bridgeOrigin: 'http://127.0.0.1:61161' };

/** An app answering `ok` behind the given security middleware, with the nonce fixed per request by a header. */
function appWith(security: express.RequestHandler) {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.locals.cspNonce = req.get('x-test-nonce') ?? 'n0';
    next();
  });
  app.use(security);
  app.get('/', (_req, res) => void res.send('ok'));
  return app;
}

/** The headers helmet sets, in order, as the raw header list of the answer shows them (the date aside). */
async function securityHeaders(app: express.Express, nonce: string): Promise<string[]> {
  const res = await request(app).get('/').set('x-test-nonce', nonce);
  const raw = (res as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders;
  const pairs: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() !== 'date') pairs.push(`${raw[i]}: ${raw[i + 1]}`);
  return pairs;
}

describe('security headers worked out once', () => {
  it('are byte for byte what helmet sets on each response, the nonce included', async () => {
    const plain = appWith(helmet(helmetOptions(config)) as express.RequestHandler);
    const once = appWith(precomputed(helmet(helmetOptions(config))));
    for (const nonce of ['abc123', 'QmFzZTY0Kz0vPQ==', 'n2']) {
      const expected = await securityHeaders(plain, nonce);
      expect(expected.some((h) => h.includes(`'nonce-${nonce}'`))).toBe(true);
      expect(await securityHeaders(once, nonce)).toEqual(expected);
    }
  });

  it('give every response its own nonce in the CSP', async () => {
    const app = express();
    app.use(setUpWebSecurity(config));
    app.get('/', (_req, res) => void res.send(String(res.locals.cspNonce)));
    const a = await request(app).get('/');
    const b = await request(app).get('/');
    expect(a.headers['content-security-policy']).toContain(`'nonce-${a.text}'`);
    expect(b.headers['content-security-policy']).toContain(`'nonce-${b.text}'`);
    expect(a.text).not.toBe(b.text);
    expect(a.headers['content-security-policy']).toContain("connect-src 'self' http://127.0.0.1:61161");
  });
});
