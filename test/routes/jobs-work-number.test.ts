import knex from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../support/app';
import { cardSignIn } from '../support/cards';
import { encode, vacancyForm } from './jobs-helpers';
import { counter } from '../../src/platform/counter';
import { importFeed } from '../../src/jobs/opendata/importer';
import * as moveWorkNumber from '../../migrations/20261207010000_jobs_work_id_counter';

let t: ReturnType<typeof buildApp>;
let agency: Awaited<ReturnType<typeof cardSignIn>>;
beforeAll(async () => {
  t = buildApp();
  agency = await cardSignIn(t.app, 'agency-ntunhs');
});
afterAll(() => t.close());

/** Posts a valid vacancy as the agency and returns its work number. */
async function postVacancy(workQuality: string): Promise<number> {
  const res = await agency.agent.post('/jobs/manage/new').type('form').send(encode(vacancyForm({ workQuality }), agency.csrf));
  expect(res.status).toBe(303);
  const row = await t.db('jobs_vacancy').where({ work_quality: workQuality }).first('work_id');
  return Number(row.work_id);
}

const feedRow = (workId: number) =>
  `<ROW><ORG_ID>A096C0000Q</ORG_ID><ORG_NAME>國立臺北護理健康大學</ORG_NAME><TITLE>組員</TITLE><NUMBER_OF>1</NUMBER_OF><WORK_PLACE_TYPE>,10-臺北市</WORK_PLACE_TYPE><DATE_FROM>1151101</DATE_FROM><DATE_TO>1161231</DATE_TO><VIEW_URL>https://x.gov.tw/v?work_id=${workId}</VIEW_URL></ROW>\n`;

describe('the vacancy work number', () => {
  it('comes from the platform counter: consecutive numbers, the last one taken as the counter says', async () => {
    const first = await postVacancy('工作編號測試 甲');
    const second = await postVacancy('工作編號測試 乙');
    expect(second).toBeGreaterThan(first);
    expect(await counter.last(t.db, 'jobs.vacancy')).toBeGreaterThanOrEqual(second);
    expect(first).toBeGreaterThanOrEqual(300001);
  });

  it('is never one an imported feed already used: the importer keeps its numbers and the counter moves past them', async () => {
    const high = (await counter.last(t.db, 'jobs.vacancy')) + 500_000;
    const report = await importFeed(t.db, `<ROOT><ANNOUNCE_DATE>1151124</ANNOUNCE_DATE>\n${feedRow(high - 1)}${feedRow(high)}</ROOT>`);
    expect(report.errors).toEqual([]);
    expect(report.inserted).toBe(2);
    expect(Number((await t.db('jobs_vacancy').whereIn('work_id', [high - 1, high]).count({ n: '*' }))[0]!.n)).toBe(2);
    expect(await counter.last(t.db, 'jobs.vacancy')).toBeGreaterThanOrEqual(high);
    const posted = await postVacancy('工作編號測試 匯入之後');
    expect(posted).toBeGreaterThan(high);
    expect(Number((await t.db('jobs_vacancy').where({ work_id: posted }).count({ n: '*' }))[0]!.n)).toBe(1);
  });

  it('an import of numbers below the counter does not lower it', async () => {
    const high = (await counter.last(t.db, 'jobs.vacancy')) + 500_000;
    await importFeed(t.db, `<ROOT><ANNOUNCE_DATE>1151124</ANNOUNCE_DATE>\n${feedRow(high)}</ROOT>`);
    const before = await counter.last(t.db, 'jobs.vacancy');
    expect(before).toBeGreaterThanOrEqual(high);
    const low = high - 250_000;
    expect(await t.db('jobs_vacancy').where({ work_id: low }).first()).toBeUndefined();
    const report = await importFeed(t.db, `<ROOT><ANNOUNCE_DATE>1151124</ANNOUNCE_DATE>\n${feedRow(low)}</ROOT>`);
    expect(report.inserted + report.updated).toBe(1);
    expect(await counter.last(t.db, 'jobs.vacancy')).toBe(before);
  });

  it('counts past 32 bits: a 12-digit imported work number is followed by the next one (kept in a rolled-back transaction)', async () => {
    const twelveDigits = 987_654_321_012;
    let next = 0;
    await t.db
      .transaction(async (trx) => {
        await counter.raiseTo(trx, 'jobs.vacancy', '', twelveDigits);
        next = await counter.next(trx, 'jobs.vacancy');
        throw new Error('roll back');
      })
      .catch((err: Error) => expect(err.message).toBe('roll back'));
    expect(next).toBe(twelveDigits + 1);
    expect(await counter.last(t.db, 'jobs.vacancy')).toBeLessThan(twelveDigits);
  });
});

describe('the migration that moves the work-number sequence into document_counter', () => {
  it('carries the sequence’s value (or the highest work number) into the counter, and back on rollback', async () => {
    // The former sequence, as an installation upgraded from it still has it (temporary, in a
    // transaction that is rolled back).
    const owner = knex({ client: 'pg', connection: inject('ownerDatabaseUrl'), pool: { min: 0, max: 1 } });
    const rollback = new Error('rollback');
    try {
      await expect(
        owner.transaction(async (trx) => {
          const last = async () => Number((await trx('document_counter').where({ name: 'jobs.vacancy' }).first('last_value'))?.last_value ?? 0);
          const maxWorkId = Number((await trx('jobs_vacancy').max({ m: 'work_id' }))[0]!.m);
          await trx.raw('CREATE TEMP SEQUENCE jobs_work_id_seq START 300001');
          // A sequence behind the stored numbers: the counter takes the highest work number.
          await trx.raw("SELECT setval('jobs_work_id_seq', 300001, false)");
          await trx('document_counter').where({ name: 'jobs.vacancy' }).del();
          await moveWorkNumber.up(trx);
          expect(await last()).toBe(Math.max(300000, maxWorkId));
          // A sequence ahead of them: the counter takes the sequence's last number.
          const ahead = Math.max(maxWorkId, await last()) + 1000;
          await trx.raw('SELECT setval(?::regclass, ?, true)', ['jobs_work_id_seq', ahead]);
          await moveWorkNumber.up(trx);
          expect(await last()).toBe(ahead);
          expect(await counter.next(trx, 'jobs.vacancy')).toBe(ahead + 1);

          await moveWorkNumber.down(trx);
          expect(await trx('document_counter').where({ name: 'jobs.vacancy' }).first()).toBeUndefined();
          expect(Number((await trx.raw("SELECT nextval('jobs_work_id_seq') AS n")).rows[0].n)).toBe(ahead + 2);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
    } finally {
      await owner.destroy();
    }
  });
});
