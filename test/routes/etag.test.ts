import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, signIn } from '../support/app';
import { isHtmlPage } from '../../src/platform/web/etag';

const t = buildApp();
afterAll(() => t.close());

describe('ETags', () => {
  it('tells an HTML page from other bodies, as text or bytes', () => {
    expect(isHtmlPage('<!DOCTYPE html>\n<html lang="zh-Hant-TW">')).toBe(true);
    expect(isHtmlPage(Buffer.from('<!DOCTYPE html><html>'))).toBe(true);
    expect(isHtmlPage('{"a":1}')).toBe(false);
    expect(isHtmlPage(Buffer.from('<!DOC'))).toBe(false);
    expect(isHtmlPage('')).toBe(false);
  });

  it('sends no ETag with a page (each carries its own nonce), anonymous or signed in', async () => {
    const anon = await request(t.app).get('/announcements');
    expect(anon.status).toBe(200);
    expect(anon.text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(anon.headers.etag).toBeUndefined();
    const { agent } = await signIn(t.app, 'wang.xiaoming');
    const mine = await agent.get('/my');
    expect(mine.status).toBe(200);
    expect(mine.text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(mine.headers.etag).toBeUndefined();
    const missing = await request(t.app).get('/no-such-page');
    expect(missing.status).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
  });

  it('keeps a weak ETag and answers 304 for the same JSON body', async () => {
    const first = await request(t.app).get('/jobs/opendata/codes.json');
    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(/^W\/"/);
    const again = await request(t.app).get('/jobs/opendata/codes.json').set('If-None-Match', first.headers.etag as string);
    expect(again.status).toBe(304);
  });
});
