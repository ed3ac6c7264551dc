import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { chain, routerOf } from '../../src/platform/web/routers';
import { under } from '../../src/platform/web/under';

/** An app running `steps` as one layer, then answering with the steps taken (or the error). */
function appWith(...steps: RequestHandler[]) {
  const app = express();
  app.use((req, _res, next) => {
    (req as unknown as { seen: string[] }).seen = [];
    next();
  });
  app.use(chain(...steps));
  app.get('/', (req, res) => {
    res.json({ seen: (req as unknown as { seen: string[] }).seen });
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    res.status(500).json({ error: (err as Error).message, seen: (req as unknown as { seen: string[] }).seen });
  };
  app.use(onError);
  return app;
}

const step =
  (name: string): RequestHandler =>
  (req, _res, next) => {
    (req as unknown as { seen: string[] }).seen.push(name);
    next();
  };

describe('chain: middleware in turn as one layer', () => {
  it('runs each step in order, synchronous or not, then goes on', async () => {
    const later: RequestHandler = (req, _res, next) => {
      setImmediate(() => {
        (req as unknown as { seen: string[] }).seen.push('later');
        next();
      });
    };
    const res = await request(appWith(step('a'), later, step('b'))).get('/');
    expect(res.body).toEqual({ seen: ['a', 'later', 'b'] });
  });

  it('runs no step at all when given none', async () => {
    expect((await request(appWith()).get('/')).body).toEqual({ seen: [] });
  });

  it.each([
    ['passed to next', ((_req, _res, next) => next(new Error('boom'))) as RequestHandler],
    ['thrown', (() => {
      throw new Error('boom');
    }) as RequestHandler],
    ['rejected by an async step', (async () => {
      await Promise.resolve();
      throw new Error('boom');
    }) as RequestHandler],
  ])('skips the rest on an error %s, and Express answers it as an error', async (_how, failing) => {
    const res = await request(appWith(step('a'), failing, step('b'))).get('/');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'boom', seen: ['a'] });
  });

  it("takes next('route') as next(), as Express's router does outside a route", async () => {
    const res = await request(appWith(step('a'), (_req, _res, next) => next('route'), step('b'))).get('/');
    expect(res.body).toEqual({ seen: ['a', 'b'] });
  });

  it('lets a step answer the request itself, and runs nothing after it', async () => {
    const answer: RequestHandler = (_req, res) => {
      res.status(204).end();
    };
    const res = await request(appWith(step('a'), answer, step('b'))).get('/');
    expect(res.status).toBe(204);
  });
});

describe('routerOf: gated routers (the areas) in turn as one layer', () => {
  const one = Router().get('/one', (_req, res) => {
    res.send('one');
  });
  const two = Router().get('/two/x', (_req, res) => {
    res.send('two');
  });
  const both = routerOf(under({ prefixes: ['/one'] }, one), under({ prefixes: ['/two'] }, two));
  const app = express().use(both);

  it('sends each request to the area of its path, and the rest on', async () => {
    expect((await request(app).get('/one')).text).toBe('one');
    expect((await request(app).get('/two/x')).text).toBe('two');
    expect((await request(app).get('/three')).status).toBe(404);
  });

  it('lists the areas as layers, each with its routes and paths', () => {
    expect(both.stack.map((l) => l.handle.prefixes)).toEqual([['/one'], ['/two']]);
    expect(both.stack[1]!.handle.stack.length).toBe(1);
  });
});
