import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { STORED_ANSWERS_KEPT, answerScriptedUploads, showStoredAnswers } from '../../src/platform/web/scriptedUpload';

const views = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'scripted-views');

/**
 * The upload-progress script's posts: a redirect becomes {"location"}; a rendered page (the form
 * again with its errors) is kept in the session and its location is the form's page with ?r=<id>,
 * which shows it. Plain posts and other methods are untouched.
 */
function app() {
  const a = express();
  a.set('views', views);
  a.set('view engine', 'ejs');
  a.use(express.urlencoded({ extended: false }));
  a.use(answerScriptedUploads);
  a.use(session({ secret: 'test secret for scripted uploads', resave: false, saveUninitialized: false }));
  a.use(showStoredAnswers);
  a.post('/ok', (_req, res) => res.redirect(303, '/done'));
  a.post('/ok-default', (_req, res) => res.redirect('/done2'));
  a.post('/form', (req, res) => res.status(400).render('form', { name: req.body?.name ?? '', error: '請輸入姓名' }));
  a.post('/raw', (_req, res) => res.status(400).type('html').send('<p>表單錯誤</p>'));
  a.post('/text', (_req, res) => res.status(400).type('text/plain').send('refused'));
  a.post('/json', (_req, res) => res.status(400).json({ error: 'refused' }));
  a.get('/form', (_req, res) => res.render('form', { name: '', error: '' }));
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

  it('keeps a rendered answer for the session and shows it, with its status, at the form’s page', async () => {
    const agent = request.agent(app());
    const posted = await agent.post('/form?_csrf=secret').set('X-Upload-Progress', '1').set('X-Upload-Page', '/form?step=2').type('form').send({ name: '王小明' });
    expect(posted.status).toBe(200);
    expect(posted.headers['cache-control']).toBe('no-store');
    const location = String(posted.body.location);
    // The page the form was on, its own query kept, the token left out.
    expect(location).toMatch(/^\/form\?step=2&r=[A-Za-z0-9_-]{22}$/);
    const shown = await agent.get(location);
    expect(shown.status).toBe(400);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.text).toContain('請輸入姓名');
    expect(shown.text).toContain('value="王小明"');
    // Reload, back and forward show it again.
    expect((await agent.get(location)).text).toContain('value="王小明"');
  });

  it('without the page header, the answer is shown at the address posted to, without its token', async () => {
    const agent = request.agent(app());
    const posted = await agent.post('/form?_csrf=secret').set('X-Upload-Progress', '1').type('form').send({ name: 'x' });
    expect(String(posted.body.location)).toMatch(/^\/form\?r=[A-Za-z0-9_-]{22}$/);
  });

  it('refuses a page header that leads off the site', async () => {
    for (const page of ['//evil.example/form', '/\\evil.example/form', 'https://evil.example/form', 'form']) {
      const posted = await request.agent(app()).post('/form').set('X-Upload-Progress', '1').set('X-Upload-Page', page).type('form').send({ name: 'x' });
      expect(String(posted.body.location), page).toMatch(/^\/form\?r=/);
    }
  });

  it('another session, another page or an unknown id never shows the answer: the form’s page instead', async () => {
    const agent = request.agent(app());
    const location = String((await agent.post('/form').set('X-Upload-Progress', '1').type('form').send({ name: '王小明' })).body.location);
    const id = location.split('r=')[1]!;
    const stranger = await request(app()).get(location);
    expect(stranger.status).toBe(303);
    expect(stranger.headers.location).toBe('/form');
    const elsewhere = await agent.get(`/ok?r=${id}`);
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.location).toBe('/ok');
    const unknown = await agent.get('/form?a=1&r=AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(303);
    expect(unknown.headers.location).toBe('/form?a=1');
    // A value not shaped like an id is the route's own business.
    expect((await agent.get('/form?r=1')).status).toBe(200);
  });

  it(`keeps only the newest ${STORED_ANSWERS_KEPT} answers of a session`, async () => {
    const agent = request.agent(app());
    const locations: string[] = [];
    for (let i = 0; i <= STORED_ANSWERS_KEPT; i++) {
      locations.push(String((await agent.post('/form').set('X-Upload-Progress', '1').type('form').send({ name: `n${i}` })).body.location));
    }
    expect((await agent.get(locations[0]!)).status).toBe(303);
    for (const [i, l] of locations.slice(1).entries()) expect((await agent.get(l)).text).toContain(`value="n${i + 1}"`);
  });

  it('keeps a page sent without a view too (the error handler’s); text and JSON answers go out as they are', async () => {
    const agent = request.agent(app());
    const raw = await agent.post('/raw').set('X-Upload-Progress', '1');
    const shown = await agent.get(String(raw.body.location));
    expect(shown.status).toBe(400);
    expect(shown.text).toContain('表單錯誤');
    const text = await agent.post('/text').set('X-Upload-Progress', '1');
    expect(text.status).toBe(400);
    expect(text.text).toBe('refused');
    expect((await agent.post('/json').set('X-Upload-Progress', '1')).body).toEqual({ error: 'refused' });
  });

  it('leaves plain posts and other methods as they are', async () => {
    const form = await request(app()).post('/form').type('form').send({ name: 'x' });
    expect(form.status).toBe(400);
    expect(form.text).toContain('請輸入姓名');
    const plain = await request(app()).post('/ok');
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe('/done');
    expect((await request(app()).post('/ok').set('X-Upload-Progress', 'yes')).status).toBe(303);
    expect((await request(app()).get('/ok').set('X-Upload-Progress', '1')).status).toBe(303);
  });
});
