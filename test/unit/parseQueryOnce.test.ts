import { describe, expect, it } from 'vitest';
import express from 'express';
import request from 'supertest';
import { parseQueryOnce } from '../../src/platform/web/queryOnce';

describe('parseQueryOnce', () => {
  it('parses a request\'s query on its first read and keeps it; each request has its own', async () => {
    const app = express();
    parseQueryOnce(app);
    app.get('/q', (req, res) => {
      const first = req.query;
      res.json({ same: req.query === first, q: req.query.q ?? null, n: req.query.n ?? null });
    });
    expect((await request(app).get('/q?q=%E8%A1%8C%E6%94%BF&n=1&n=2')).body).toEqual({ same: true, q: '行政', n: ['1', '2'] });
    expect((await request(app).get('/q')).body).toEqual({ same: true, q: null, n: null });
  });

  it('is what Express 5 alone gives, which parses again on every read', async () => {
    const plain = express();
    plain.get('/q', (req, res) => res.json({ same: req.query === req.query, query: req.query }));
    const once = express();
    parseQueryOnce(once);
    once.get('/q', (req, res) => res.json({ query: req.query }));
    const url = '/q?a=1&b=%00&c=x+y&a=2&d';
    const [p, o] = [await request(plain).get(url), await request(once).get(url)];
    expect(p.body.same).toBe(false);
    expect(o.body.query).toEqual(p.body.query);
  });
});
