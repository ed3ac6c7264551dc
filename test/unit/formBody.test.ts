import { describe, expect, it } from 'vitest';
import express from 'express';
import request from 'supertest';
import { formBody } from '../../src/platform/web/formBody';

const app = express();
app.use(formBody({ limit: '1kb', parameterLimit: 5 }));
app.post('/', (req, res) => {
  res.json({ body: req.body ?? null, proto: Object.getPrototypeOf(req.body ?? {}) === Object.prototype });
});
app.use(((err, _req, res, _next) => {
  res.status(err.status ?? 500).json({ type: err.type });
}) as express.ErrorRequestHandler);

const post = (body: string | Buffer, type = 'application/x-www-form-urlencoded') =>
  request(app)
    .post('/')
    .set('content-type', type)
    .serialize((x: unknown) => x as string)
    .send(body as unknown as string);

describe('formBody', () => {
  it('decodes UTF-8, + as space, and percent-escapes', async () => {
    expect((await post('name=%E7%8E%8B+%E5%B0%8F%E6%98%8E&x=a%2Bb%26c')).body.body).toEqual({ name: '王 小明', x: 'a+b&c' });
  });

  it('turns bytes that are not UTF-8, percent-encoded or raw, into U+FFFD', async () => {
    expect((await post('a=x%FF%FEy')).body.body).toEqual({ a: 'x\ufffd\ufffdy' });
    expect((await post(Buffer.from([0x61, 0x3d, 0x78, 0xff, 0x79]))).body.body).toEqual({ a: 'x\ufffdy' });
    expect((await post('a=%E7%8E')).body.body).toEqual({ a: '\ufffd' });
  });

  it('makes a field sent twice an array and keeps bracket names plain', async () => {
    expect((await post('a=1&a=2&a=3&b[c]=4&d[]=5')).body.body).toEqual({ a: ['1', '2', '3'], 'b[c]': '4', 'd[]': '5' });
  });

  it('never lets a field name reach the prototype', async () => {
    const res = await post('__proto__=x&constructor=y&toString=z');
    expect(res.body).toEqual({ body: { constructor: 'y', toString: 'z' }, proto: true });
  });

  it('gives an empty object for an empty form', async () => {
    expect((await post('')).body.body).toEqual({});
  });

  it('answers 413 for too many fields or too many bytes', async () => {
    const many = await post('a=1&b=2&c=3&d=4&e=5&f=6');
    expect(many.status).toBe(413);
    expect(many.body.type).toBe('parameters.too.many');
    const big = await post(`a=${'x'.repeat(2000)}`);
    expect(big.status).toBe(413);
    expect(big.body.type).toBe('entity.too.large');
  });

  it('answers 415 for a charset it cannot read, and leaves other types alone', async () => {
    expect((await post('a=1', 'application/x-www-form-urlencoded; charset=x-unknown')).status).toBe(415);
    expect((await post('{"a":1}', 'application/json')).body.body).toBeNull();
  });
});
