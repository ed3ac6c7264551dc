import crypto from 'node:crypto';
import knex from 'knex';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../support/app';
import { counter, counterName } from '../../src/platform/counter';
import * as moveCounters from '../../migrations/20261206740100_document_counter_values';

const t = buildApp();
afterAll(() => t.close());

/** A counter of its own for each test (an unused prefix). */
const fresh = () => `T${crypto.randomBytes(4).toString('hex').toUpperCase()}`;

describe('the document counter', () => {
  it('starts at 1 and counts each prefix on its own', async () => {
    const a = fresh();
    const b = fresh();
    const taken: number[] = [];
    for (let i = 0; i < 3; i++) taken.push(await t.db.transaction((trx) => counter.next(trx, 'cloud.report', a)));
    expect(taken).toEqual([1, 2, 3]);
    expect(await t.db.transaction((trx) => counter.next(trx, 'cloud.report', b))).toBe(1);
    expect(await counter.last(t.db, 'cloud.report', a)).toBe(3);
    expect(await counter.last(t.db, 'cloud.report', fresh())).toBe(0);
  });

  it('gives a rolled-back number back: the next document gets it', async () => {
    const p = fresh();
    await t.db.transaction((trx) => counter.next(trx, 'pics.receipt', p));
    await expect(
      t.db.transaction(async (trx) => {
        expect(await counter.next(trx, 'pics.receipt', p)).toBe(2);
        throw new Error('the document was not stored');
      }),
    ).rejects.toThrow('the document was not stored');
    expect(await counter.last(t.db, 'pics.receipt', p)).toBe(1);
    expect(await t.db.transaction((trx) => counter.next(trx, 'pics.receipt', p))).toBe(2);
  });

  it('gives 50 concurrent transactions 50 consecutive numbers', async () => {
    const db = knex({ client: 'pg', connection: inject('databaseUrl'), pool: { min: 0, max: 20 } });
    try {
      const p = fresh();
      const numbers = await Promise.all(
        Array.from({ length: 50 }, () =>
          db.transaction(async (trx) => {
            const n = await counter.next(trx, 'cloud.application', p);
            // Hold the number a moment, as a filing does while it stores the document.
            await trx.raw('SELECT pg_sleep(0.002)');
            return n;
          }),
        ),
      );
      expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await counter.last(db, 'cloud.application', p)).toBe(50);
    } finally {
      await db.destroy();
    }
  });

  it('is only taken inside the transaction that stores the document', async () => {
    expect(() => counter.next(t.db, 'cloud.report', fresh())).toThrow(/transaction/);
  });

  it('raiseTo never lowers a counter', async () => {
    const p = fresh();
    await counter.raiseTo(t.db, 'pics.receipt', p, 7);
    await counter.raiseTo(t.db, 'pics.receipt', p, 3);
    expect(await counter.last(t.db, 'pics.receipt', p)).toBe(7);
    expect(await t.db.transaction((trx) => counter.next(trx, 'pics.receipt', p))).toBe(8);
  });

  it('names a counter by its document and the number’s prefix', () => {
    expect(counterName('pics.receipt', '202612M')).toBe('pics.receipt:202612M');
    expect(counterName('cloud.application', 'APFQ115')).toBe('cloud.application:APFQ115');
    expect(counterName('cloud.report')).toBe('cloud.report');
    expect(() => counterName('cloud.report', "x' OR 1=1")).toThrow();
  });
});

describe('every numbered document uses it', () => {
  it('the demo applications’ numbers and the error-report codes continue from the counter', async () => {
    for (const prefix of ['APFQ115', 'APSQ115']) {
      const rows = await t.db('cloud_application').where('number', 'like', `${prefix}%`).pluck('number');
      const max = Math.max(0, ...rows.map((n: string) => Number(n.slice(7))));
      expect(await counter.last(t.db, 'cloud.application', prefix)).toBeGreaterThanOrEqual(max);
    }
    // A report row stored without a code (as an import would) takes the counter's next one.
    const agency = await t.db('agency').where({ code: 'A096C0000Q' }).first('id');
    const before = await counter.last(t.db, 'cloud.report');
    const [row] = await t.db('cloud_report')
      .insert({ agency_id: agency.id, reporter_name: '林小美', phone: '02-28227101', email: 'hr@ntunhs.edu.tw', occurred_on: '2026-11-20', content: '計數測試' })
      .returning('code');
    expect(Number(row.code)).toBeGreaterThan(before);
    expect(row.code).toMatch(/^\d{8}$/);
    expect(await counter.last(t.db, 'cloud.report')).toBe(Number(row.code));
    await t.db('cloud_report').where({ code: row.code }).del();
  });

  it('the PICS demo receipts: every month and channel’s counter is at its last receipt number', async () => {
    const rows: { prefix: string; last: number }[] = (
      await t.db.raw("SELECT substr(receipt_no, 1, 7) AS prefix, max(substr(receipt_no, 8)::int) AS last FROM pics_ticket GROUP BY 1")
    ).rows;
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(await counter.last(t.db, 'pics.receipt', r.prefix)).toBeGreaterThanOrEqual(Number(r.last));
  });
});

describe('the migration that moves the former counters', () => {
  it('carries each counter’s value into document_counter, and back on rollback', async () => {
    // The former tables and sequence, as an installation upgraded from them still has them
    // (temporary, in a transaction that is rolled back).
    const owner = knex({ client: 'pg', connection: inject('ownerDatabaseUrl'), pool: { min: 0, max: 1 } });
    const rollback = new Error('rollback');
    try {
      await expect(
        owner.transaction(async (trx) => {
          await trx.raw('CREATE TEMP TABLE pics_receipt_counter (period varchar(6), channel varchar(1), last_no integer, PRIMARY KEY (period, channel))');
          await trx.raw('CREATE TEMP TABLE cloud_application_counter (prefix varchar(4), roc_year integer, last_serial integer, PRIMARY KEY (prefix, roc_year))');
          await trx.raw('CREATE TEMP SEQUENCE cloud_report_code_seq');
          await trx('pics_receipt_counter').insert([{ period: '209901', channel: 'M', last_no: 41 }, { period: '209901', channel: 'W', last_no: 7 }]);
          await trx('cloud_application_counter').insert({ prefix: 'APSQ', roc_year: 99, last_serial: 12 });
          const report = (await trx.raw("SELECT setval('cloud_report_code_seq', greatest((SELECT last_value FROM document_counter WHERE name = 'cloud.report'), 0) + 5) AS n")).rows[0].n;
          await moveCounters.up(trx);
          const after = async (name: string) => Number((await trx('document_counter').where({ name }).first('last_value'))?.last_value);
          expect(await after('pics.receipt:209901M')).toBe(41);
          expect(await after('pics.receipt:209901W')).toBe(7);
          expect(await after('cloud.application:APSQ099')).toBe(12);
          expect(await after('cloud.report')).toBe(Number(report));
          // The next number follows on.
          expect(await counter.next(trx, 'pics.receipt', '209901M')).toBe(42);
          expect(await counter.next(trx, 'cloud.application', 'APSQ099')).toBe(13);

          await trx('pics_receipt_counter').del();
          await trx('cloud_application_counter').del();
          await moveCounters.down(trx);
          expect(await trx('pics_receipt_counter').where({ period: '209901', channel: 'M' }).first('last_no')).toEqual({ last_no: 42 });
          expect(await trx('cloud_application_counter').where({ prefix: 'APSQ', roc_year: 99 }).first('last_serial')).toEqual({ last_serial: 13 });
          expect(Number((await trx.raw("SELECT nextval('cloud_report_code_seq') AS n")).rows[0].n)).toBe(Number(report) + 1);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
    } finally {
      await owner.destroy();
    }
  });
});
