import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, signIn } from '../support/app';
import { startOfTaipeiDay, taipeiToday } from '../../src/platform/dates';
import { recentSignIns } from '../../seeds/demo';
import { appsAsOf } from '../../seeds/cloud';

const t = buildApp();
afterAll(() => t.close());

const DAY = 86_400_000;
const n = async (q: PromiseLike<{ n: string | number }[]>) => Number((await q)[0]!.n);

describe('demo data laid out relative to the day it is loaded (rules)', () => {
  it('a demo account signed in on the working-day mornings of the last 4 weeks, the newest yesterday', () => {
    const now = Date.parse('2027-03-10T10:00:00+08:00');
    const times = recentSignIns(now, 0);
    expect(taipeiToday(times[0]!)).toBe('2027-03-09');
    expect(times.every((d) => d.getTime() < now && d.getTime() > now - 29 * DAY)).toBe(true);
    expect(times.slice(1).every((d) => ![0, 6].includes(new Date(d.getTime() + 8 * 3600_000).getUTCDay()))).toBe(true);
  });

  it('cloud applications move as many days as the loading day is after the day they were written for', () => {
    const same = appsAsOf('2026-11-20');
    const later = appsAsOf('2027-01-19');
    expect(Date.parse(later[0]!.submitted) - Date.parse(same[0]!.submitted)).toBe(60 * DAY);
    expect(Date.parse(later[0]!.from) - Date.parse(same[0]!.from)).toBe(60 * DAY);
    expect(appsAsOf('2026-01-01')[0]!.submitted).toBe(same[0]!.submitted);
  });
});

describe('on a fresh start (the test database was loaded with the demo moments ago)', () => {
  it('the home counters show sign-ins today', async () => {
    const res = await request(t.app).get('/');
    const today = Number(/今日總計人數：<strong>([\d,]+)<\/strong>/.exec(res.text)![1]!.replace(/,/g, ''));
    expect(today).toBeGreaterThan(0);
    // The demo's own sign-ins (card users' accounts u…) are all in the past; other tests in this
    // database sign in on clocks of their own.
    expect(await n(t.db('login_event as e').join('account as a', 'a.id', 'e.account_id').where('a.username', 'like', 'u%').where('e.at', '>', new Date()).count({ n: '*' }))).toBe(0);
  });

  it('the demo user\'s first sign-in shows yesterday as 上次登入時間, not 「首次登入」', async () => {
    const { agent } = await signIn(t.app, 'chen.meiling');
    const page = await agent.get('/my');
    const last = /<dt>上次登入時間<\/dt><dd>([^<]*)<\/dd>/.exec(page.text)![1]!;
    expect(last).not.toBe('首次登入');
    expect(last).toMatch(/^\d{3}\/\d{2}\/\d{2} \d{2}:\d{2}/);
  });

  it('PICS tickets run up to today: the desk\'s 每日掛號件數 of the last two weeks is not empty, none in the future', async () => {
    const since = new Date(startOfTaipeiDay().getTime() - 14 * DAY);
    expect(await n(t.db('pics_ticket').where('created_at', '>=', since).count({ n: '*' }))).toBeGreaterThan(3);
    expect(await n(t.db('pics_ticket').where('created_at', '>', new Date()).orWhere('closed_at', '>', new Date()).count({ n: '*' }))).toBe(0);
    const oldest = await t.db('pics_ticket').min({ at: 'created_at' }).first();
    expect(Date.now() - new Date(oldest!.at).getTime()).toBeGreaterThan(20 * 7 * DAY);
  });

  it('chats, vacancies and cloud applications are recent', async () => {
    expect(await n(t.db('pics_chat').where('created_at', '>=', new Date(Date.now() - 3 * DAY)).count({ n: '*' }))).toBeGreaterThan(0);
    expect(await n(t.db('pics_chat').where('created_at', '<', new Date(Date.now() - 14 * DAY)).count({ n: '*' }))).toBeGreaterThan(0);
    expect(await n(t.db('jobs_vacancy').where('date_from', '>=', taipeiToday(new Date(Date.now() - 7 * DAY))).where({ status: 'approved' }).count({ n: '*' }))).toBeGreaterThan(0);
    const newest = await t.db('cloud_application').max({ at: 'submitted_at' }).first();
    expect(Date.now() - new Date(newest!.at).getTime()).toBeLessThan(31 * DAY);
  });
});
