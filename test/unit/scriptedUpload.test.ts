import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { answerScriptedUploads } from '../../src/platform/web/scriptedUpload';

/** The upload-progress script's posts: a redirect becomes {"location"}; everything else is unchanged. */
function app() {
  const a = express();
  a.use(answerScriptedUploads);
  a.post('/ok', (_req, res) => res.redirect(303, '/done'));
  a.post('/ok-default', (_req, res) => res.redirect('/done2'));
  a.post('/error', (_req, res) => res.status(400).type('html').send('<p>表單錯誤</p>'));
  a.get('/ok', (_req, res) => res.redirect(303, '/done'));
  return a;
}

describe('answerScriptedUploads', () => {
  it('answers a scripted post’s redirect with its location, uncached', async () => {
    const res = await request(app()).post('/ok').set('X-Upload-Progress', '1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ location: '/done' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await request(app()).post('/ok-default').set('X-Upload-Progress', '1')).body).toEqual({ location: '/done2' });
  });

  it('leaves the form’s errors, plain posts and other methods as they are', async () => {
    const err = await request(app()).post('/error').set('X-Upload-Progress', '1');
    expect(err.status).toBe(400);
    expect(err.text).toContain('表單錯誤');
    const plain = await request(app()).post('/ok');
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe('/done');
    expect((await request(app()).post('/ok').set('X-Upload-Progress', 'yes')).status).toBe(303);
    expect((await request(app()).get('/ok').set('X-Upload-Progress', '1')).status).toBe(303);
  });
});
